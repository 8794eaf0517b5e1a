// Package reftest is a differential conformance harness for screen models:
// a model that received a stream must be able to repaint it so exactly that
// a real terminal fed the repaint shows and keeps the same as a terminal fed
// the stream itself. The real terminal is tmux 3.3a (one private server per
// test binary); the streams are recorded programs (testdata/streams),
// vttest's screens, synthetic cases for each feature and fuzzed sequences.
//
// # Plugging a model in
//
// A model needs two methods (Model): Write(p []byte) and
// AppendRepaint(dst []byte) []byte, where the repaint must work on a freshly
// reset terminal. From the model's package tests:
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(reftest.Main(m)) }
//
//	func newModel(cols, rows int) reftest.Model { return screen.New(cols, rows) }
//
//	func TestConformance(t *testing.T) {
//		reftest.Suite{New: newModel, StreamDir: "testdata/streams"}.Run(t)
//	}
//
//	func FuzzDifferential(f *testing.F) { reftest.Fuzz(f, newModel) }
//
// reftest/example_conformance_test.go.txt is such a file, ready to copy.
// Suite.Known lists the cases a model is known to get wrong (see Known);
// Check and Compare run single cases.
//
// # What one case checks
//
// For a stream S and the model's repaint R (model fed S), two fresh
// terminals get S and R, and are compared (State, Diff): every cell with its
// attributes, the cursor position (tmux reports a pending wrap as the
// cursor one column past the margin) and visibility, the alternate screen,
// insert mode, cursor keys, keypad, mouse modes 1000/1002/1003/1006, origin
// mode, autowrap, scroll region, tab stops, title. Then both get the same
// Probes (a character printed at the cursor, then a shift to G1; then DECRC
// and the same), which reveal the pen, a pending wrap, the character sets
// and the saved cursor; and, if the alternate screen is active, ESC[?1049l,
// after which the main screens must match too (attach while vim is open,
// then quit vim).
//
// Streams are cut at several points (PickCuts): the labelled points of the
// .cuts files (where the program waited for input), pseudo-random offsets
// where the parser is in its ground state (half of them right before an
// ESC), arbitrary offsets, and the end. A cut inside an escape sequence or a
// UTF-8 character gets the screen comparison only: the terminal fed S still
// holds half a sequence, which nothing appended could meaningfully follow.
//
// # What the reference cannot tell, and where it differs from xterm
//
// Not compared, because tmux 3.3a cannot report it: bracketed paste, focus
// events, mouse encodings other than SGR, the cursor style, the colour
// palette, the background colour of cells erased (ED/EL/ECH with a
// background colour) past a row's last written cell (tmux leaves them out
// of captures, so State.Normalise treats trailing background-only blanks as
// default ones), and attributes that do not show on a blank.
//
// tmux 3.3a implements less than xterm, so cases and the fuzz grammar avoid:
// CHT (CSI I), HPR (CSI a), VPR (CSI e), national character sets such as
// British (ESC ( A: tmux keeps showing '#'), double-width lines (ESC # 3..6),
// left/right margins, 132-column mode (DECCOLM clears the screen and keeps
// 80 columns; vttest's 132-column screens are drawn at 80). Where tmux
// differs from xterm, tmux is what is checked: insert/delete line with the
// cursor outside the scroll region inserts/deletes anyway (xterm ignores
// it) and keeps the cursor's column; an ASCII character written over the
// right half of a wide character leaves the wide character in place (a wide
// character written there clears it); DECRC after DECSC at a pending wrap
// restores the cursor to the last column without the pending wrap; widths
// are per code point (glibc wcwidth), so an emoji ZWJ sequence or flag is
// several cells, not one grapheme. DEC line drawing compares by glyph: a
// cell tmux stored as line-drawing 'q' equals one written as U+2500.
//
// # Cost
//
// Each case runs 2–8 tmux clients, and tmux parses each cut's prefix; the
// suite runs cases in parallel with at most 2×GOMAXPROCS tmux clients at
// once. The x/vt suite here (68 synthetic cases, 183 stream cuts) took
// 8–12 s on two cores shared with other builds (load average 7–15), about
// 20–50 s under -race, most of it x/vt itself.
package reftest
