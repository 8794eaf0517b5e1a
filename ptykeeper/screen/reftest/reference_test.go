package reftest

import (
	"errors"
	"strings"
	"testing"
)

// The reference reads back what tmux shows and keeps.
func TestReferenceState(t *testing.T) {
	srv := Require(t)
	st, err := srv.Screen([]byte("\x1b[1;31mred\x1b[0m \x1b(0lqk\x1b(B 中e\u0301\r\n"+
		"\x1b[5;10r\x1b[?6h\x1b[?1h\x1b=\x1b[?1002h\x1b[?1006h\x1b[4h\x1b[?25l\x1b]2;the title\x07"+
		"\x1b[3g\x1b[1;5H\x1bH\x1b[2;3H"), 30, 12)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Text(); !strings.HasPrefix(got, "red ┌─┐ 中e\u0301\n") {
		t.Errorf("text %q", got)
	}
	if c := st.Cells[0][0]; c.Style != (Style{Fg: Basic(1), Attrs: Bold}) {
		t.Errorf("first cell %+v, want bold red", c)
	}
	if st.Cols != 30 || st.Rows != 12 || len(st.Cells) != 12 || len(st.Cells[0]) != 30 {
		t.Errorf("size %dx%d with %d rows", st.Cols, st.Rows, len(st.Cells))
	}
	// CUP 2;3 in origin mode with the region at 5..10: row 6 (0-based).
	if st.CursorX != 2 || st.CursorY != 5 || st.CursorVisible || st.Alternate {
		t.Errorf("cursor %d,%d visible %v alternate %v", st.CursorX, st.CursorY, st.CursorVisible, st.Alternate)
	}
	want := Modes{Insert: true, CursorKeys: true, Keypad: true, MouseButton: true, MouseSGR: true,
		Origin: true, Wrap: true, ScrollTop: 4, ScrollBottom: 9, Tabs: "4"}
	if st.Modes != want || st.Title != "the title" {
		t.Errorf("modes %+v title %q\nwant %+v", st.Modes, st.Title, want)
	}
}

// Answers to queries go nowhere and nothing of a previous terminal shows
// in a new one.
func TestReferenceFresh(t *testing.T) {
	srv := Require(t)
	a := srv.NewTerm(20, 5)
	defer a.Close()
	if _, err := a.Feed([]byte("\x1b[c\x1b[6n\x1b[?1049hold\x1b]2;old\x07")); err != nil {
		t.Fatal(err)
	}
	st, err := srv.Screen([]byte("new"), 20, 5)
	if err != nil {
		t.Fatal(err)
	}
	if st.Text() != "new\n\n\n\n\n" || st.Alternate || !st.CursorVisible || st.CursorX != 3 {
		t.Errorf("fresh terminal: %q alternate %v cursor %d visible %v", st.Text(), st.Alternate, st.CursorX, st.CursorVisible)
	}
	// LF is a line feed, not CR LF, once RIS has reset the empty pane.
	st, err = srv.Screen([]byte("ab\ncd"), 20, 5)
	if err != nil {
		t.Fatal(err)
	}
	if st.Text() != "ab\n  cd\n\n\n\n" {
		t.Errorf("LF: %q", st.Text())
	}
}

// replay is the perfect model: its repaint is everything it received.
type replay struct{ b []byte }

func (r *replay) Write(p []byte)                  { r.b = append(r.b, p...) }
func (r *replay) AppendRepaint(dst []byte) []byte { return append(dst, r.b...) }

// A perfect model passes every case and every cut (including cuts inside
// a sequence): differences the suite reports are the model's, not the
// harness's or the reference's.
func TestPerfectModelPasses(t *testing.T) {
	Suite{New: func(int, int) Model { return &replay{} }, StreamDir: "../testdata/streams",
		RandomCuts: 4, ArbitraryCuts: 2, MaxBytes: 32 << 10}.Run(t)
}

// Each phase of Compare catches what it is there for.
func TestCompareFinds(t *testing.T) {
	srv := Require(t)
	x80 := strings.Repeat("x", 80)
	for _, tc := range []struct {
		name, stream, repaint, phase, diff string
	}{
		{"cell", "hello", "help\x1b[1;6H", "screen", `row 0, column 3: want "l" (default), got "p" (default)`},
		{"attribute", "\x1b[1mb", "b", "screen", `want "b" (bold), got "b" (default)`},
		{"mode", "\x1b[?1000h", "", "screen", "mouse ?1000: want true, got false"},
		{"title", "\x1b]2;t\x07", "", "screen", `title: want "t", got`},
		{"pending wrap", x80, x80 + "\x1b[1;80H", "screen", "cursor: want [80 0], got [79 0]"},
		{"pen", "\x1b[4m", "", "after the probe at the cursor", `want "q" (underline), got "q" (default)`},
		{"insert mode", "ab\x1b[4h\x1b[H", "ab\x1b[H\x1b[4h\x1b[4l", "screen", "insert mode (IRM): want true, got false"},
		{"charset G0", "\x1b(0", "", "after the probe at the cursor", `want "─" (default), got "q" (default)`},
		{"charset G1", "\x1b)0", "", "after the probe at the cursor", `want "─" (default), got "q" (default)`},
		{"saved cursor", "\x1b[3;3H\x1b7\x1b[H", "\x1b[H", "after the probe of the saved cursor", "cursor: want [4 2], got [2 0]"},
		{"saved pen", "\x1b[1m\x1b7\x1b[0m", "", "after the probe of the saved cursor", `want "q" (bold), got "q" (default)`},
		{"main screen", "main\x1b[?1049halt", "\x1b[?1049h\x1b[1;5Halt", "after leaving the alternate screen", `want "m" (default), got " " (default)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Compare(srv, []byte(tc.stream), []byte(tc.repaint), true, 80, 24)
			var mm *Mismatch
			if !errors.As(err, &mm) {
				t.Fatalf("got %v, want a mismatch", err)
			}
			if !strings.HasPrefix(mm.Phase, tc.phase) || !strings.Contains(mm.Diff, tc.diff) {
				t.Errorf("phase %q, diff:\n%s\nwant phase %q and %q", mm.Phase, mm.Diff, tc.phase, tc.diff)
			}
		})
	}
}

// The recorded streams load, with their cut points in the ground state
// (they were taken while each program waited for input).
func TestStreams(t *testing.T) {
	streams, err := LoadStreams("../testdata/streams")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	names := map[string]bool{}
	for _, s := range streams {
		names[s.Name] = true
		total += len(s.Data)
		if len(s.Data) > 1<<20 {
			t.Errorf("%s: %d bytes, keep streams under 1 MiB", s.Name, len(s.Data))
		}
		for _, c := range s.Cuts {
			if !c.Ground {
				t.Errorf("%s: cut %s at %d is not in the ground state", s.Name, c.Label, c.Offset)
			}
		}
	}
	for _, n := range []string{"plain", "colourlog", "vim", "htop", "less", "cjk", "truecolor", "bash", "nano", "mc",
		"vttest-1", "vttest-2", "vttest-3", "vttest-8"} {
		if !names[n] {
			t.Errorf("stream %s missing", n)
		}
	}
	if total > 5<<20 {
		t.Errorf("streams total %d bytes, keep them under 5 MiB", total)
	}
}
