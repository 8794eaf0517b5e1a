// conformance_test.go checks the screen model against a real terminal with
// the differential harness in ./reftest: for every recorded stream (cut at
// several points), every vttest screen, every synthetic feature case and
// fuzzed sequences, a terminal (tmux 3.3a) fed the model's repaint must show
// and keep the same as one fed the raw stream — cells, cursor, modes, both
// screens, saved cursor, character sets.
//
// The package's TestMain (main_test.go) wraps m in reftest.Main, which stops
// the shared tmux server. Runs need tmux (CI installs it); without it the
// tests skip.
//
//	go test -race -run 'TestConformance|FuzzDifferential' ./ptykeeper/screen
//	go test -run XXX -fuzz FuzzDifferential -fuzztime 60s ./ptykeeper/screen
//
// A failure reads like:
//
//	cases/irm: screen differs (want: terminal fed the stream; got: terminal fed the model's repaint):
//	    row 0, column 2: want "a" (default), got "c" (default)
//	      want row 0: |XYabcdef   ...|
//	      got  row 0: |XYcdef     ...|
//	repaint: "\x1b[?1049l..."
//
// Reproduce one case with `go test -run 'TestConformance/cases/irm'` or
// `-run 'TestConformance/streams/vim/vim-open'`.

package screen_test

import (
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper/screen"
	"github.com/ptykeeper/ptykeeper/ptykeeper/screen/reftest"
)

// model adapts *screen.Screen to reftest.Model (whatever Write returns).
type model struct{ s *screen.Screen }

func (m model) Write(p []byte)                  { m.s.Write(p) }
func (m model) AppendRepaint(dst []byte) []byte { return m.s.AppendRepaint(dst) }

func newModel(cols, rows int) reftest.Model { return model{screen.New(cols, rows)} }

// knownFailures lists what the model gets wrong today, each with the
// reason: a case name ("irm", "vttest-8@screen-03") must fail while listed;
// a pattern ("htop@*") may pass. Keep it empty.
var knownFailures = reftest.Known{}

func TestConformance(t *testing.T) {
	reftest.Suite{New: newModel, StreamDir: "testdata/streams", Known: knownFailures}.Run(t)
}

// FuzzDifferential generates streams from a grammar of escape sequences and
// checks each against tmux. Normal runs check the seeds: reftest's, the
// inputs that found x/vt's gaps (reftest/testdata/found), and this
// package's testdata/fuzz/FuzzDifferential.
func FuzzDifferential(f *testing.F) { reftest.Fuzz(f, newModel) }
