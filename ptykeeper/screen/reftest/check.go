// check.go is the differential check: a model's repaint, written to a fresh
// reference terminal, must leave it showing and keeping the same as the raw
// stream did, and must go on doing so when more bytes follow.

package reftest

import (
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"strconv"
	"sync"
	"testing"
)

// Model is what the harness needs of a screen model.
type Model interface {
	// Write feeds program output.
	Write(p []byte)
	// AppendRepaint appends bytes that make a freshly reset terminal show
	// and keep what the model holds, and returns the extended slice.
	AppendRepaint(dst []byte) []byte
}

// ModelFactory returns a new model of cols x rows. If the model is an
// io.Closer, the harness closes it when done.
type ModelFactory func(cols, rows int) Model

// Probes are written, one after the other, to both terminals after the
// state comparison, to reveal state a screen does not show; the terminals
// are compared after each. The first prints "q" at the cursor with the
// current pen and character set (showing a pending wrap, insert mode, the
// pen, DEC line drawing in GL), then shifts out to show what G1 holds. The
// second restores the saved cursor (DECRC: position, pen, character sets,
// origin mode) and prints the same.
var Probes = []string{"q\x0eq\x0f", "\x1b8q\x0eq\x0f"}

// leaveAlternate is written last when the alternate screen is active: the
// main screen the user returns to (e.g. quitting vim after attaching) must
// match too.
const leaveAlternate = "\x1b[?1049l"

// Mismatch is a difference found by Compare.
type Mismatch struct {
	Phase string // "screen", "after the probe ...", "after leaving the alternate screen"
	Diff  string // from Diff: want is the raw stream's terminal, got the repaint's
	// Repaint is the model's repaint, for reproducing the failure.
	Repaint []byte
}

func (m *Mismatch) Error() string {
	return fmt.Sprintf("%s differs (want: terminal fed the stream; got: terminal fed the model's repaint):\n%s", m.Phase, m.Diff)
}

// Compare checks one case: stream is what the terminal received, repaint
// what a model made of it. It returns a *Mismatch if they differ, another
// error if the reference failed. ground says whether stream ends in the
// parser's ground state; if not, only the screen is compared.
func Compare(srv *Server, stream, repaint []byte, ground bool, cols, rows int) error {
	want, got := srv.NewTerm(cols, rows), srv.NewTerm(cols, rows)
	defer want.Close()
	defer got.Close()
	phases := []struct {
		name string
		feed string
	}{
		{"screen", ""},
		{"after the probe at the cursor (" + strconv.Quote(Probes[0]) + ")", Probes[0]},
		{"after the probe of the saved cursor (" + strconv.Quote(Probes[1]) + ")", Probes[1]},
		{"after leaving the alternate screen", leaveAlternate},
	}
	alternate := false
	for i, ph := range phases {
		if i > 0 && !ground || i == len(phases)-1 && !alternate {
			break
		}
		w, g := []byte(ph.feed), []byte(ph.feed)
		if i == 0 {
			w, g = stream, repaint
		}
		ws, err := want.Feed(w)
		if err != nil {
			return err
		}
		gs, err := got.Feed(g)
		if err != nil {
			return err
		}
		if i == 0 {
			alternate = ws.Alternate
		}
		if d := Diff(ws, gs); d != "" {
			return &Mismatch{Phase: ph.name, Diff: d, Repaint: repaint}
		}
	}
	return nil
}

// Check feeds stream to a new model and reports through t the first
// difference Compare finds. It skips the test if tmux is missing.
func Check(t testing.TB, m ModelFactory, name string, stream []byte, cols, rows int) {
	t.Helper()
	srv := Require(t)
	model := m(cols, rows)
	defer closeModel(model)
	model.Write(stream)
	repaint := model.AppendRepaint(nil)
	if err := Compare(srv, stream, repaint, InGround(stream), cols, rows); err != nil {
		t.Errorf("%s: %v", name, err)
	}
}

func closeModel(m Model) {
	if c, ok := m.(io.Closer); ok {
		c.Close()
	}
}

// Result is the outcome of one cut of a stream.
type Result struct {
	Cut Cut
	Err error // nil: equal; *Mismatch: differs; else the reference failed
}

// CompareStream feeds stream to one model, cut by cut in order (so the
// model parses the stream once), takes its repaint at each cut, and
// compares the cuts concurrently.
func CompareStream(srv *Server, m ModelFactory, stream []byte, cuts []Cut, cols, rows int) []Result {
	model := m(cols, rows)
	repaints := make([][]byte, len(cuts))
	fed := 0
	for i, c := range cuts {
		if c.Offset < fed {
			panic("reftest: cuts out of order")
		}
		model.Write(stream[fed:c.Offset])
		fed = c.Offset
		repaints[i] = model.AppendRepaint(nil)
	}
	closeModel(model)
	res := make([]Result, len(cuts))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2*runtime.GOMAXPROCS(0))
	for i, c := range cuts {
		res[i].Cut = c
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res[i].Err = Compare(srv, stream[:c.Offset], repaints[i], c.Ground, cols, rows)
		}()
	}
	wg.Wait()
	return res
}

// Known lists the cases a model is known to get wrong, each with the
// reason. A key is a case name ("irm", "vim@vim-open") or a path.Match
// pattern ("vim@*", "vttest-2@at-*"). A case named exactly must fail, so
// the list shrinks as the model improves; cases matched by a pattern only
// may pass.
type Known map[string]string

// Reason returns why name is known to fail ("" if it is not) and whether
// it is named exactly.
func (k Known) Reason(name string) (reason string, exact bool) {
	if r, ok := k[name]; ok {
		return r, true
	}
	for pat, r := range k {
		if ok, _ := path.Match(pat, name); ok {
			return r, false
		}
	}
	return "", false
}

// Report reports one case's result through t: a mismatch fails unless
// known lists it, and a case listed by name that passes fails too.
func Report(t testing.TB, name string, err error, known Known) {
	t.Helper()
	var mm *Mismatch
	reason, exact := known.Reason(name)
	switch {
	case err != nil && !errors.As(err, &mm):
		t.Errorf("%s: %v", name, err)
	case err != nil && reason != "":
		t.Logf("%s: known failure (%s): %v", name, reason, err)
	case err != nil:
		t.Errorf("%s: %v\nrepaint: %q", name, err, mm.Repaint)
	case reason != "" && exact:
		t.Errorf("%s: listed as a known failure (%s) but passes: remove it from the list", name, reason)
	}
}
