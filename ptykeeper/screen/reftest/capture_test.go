package reftest

import (
	"strings"
	"testing"
)

// Captures as tmux 3.3a writes them (grid.c, grid_string_cells_code):
// attributes relative to the cell before, carried across line ends; 4:N
// for underline styles, 5:3 for overline; SO/SI around line drawing.
func TestParseCells(t *testing.T) {
	out := "\x1b[1m\x1b[31mab\x1b[0mc\n" + // bold red ab, then default c
		"\x1b[4:2mu\x1b[0m\x1b[5:3mo\x1b[0m\n" + // double underline, overline
		"\x0elqk\x0f|\n" + // line drawing
		"\x1b[38;5;200m\x1b[48;2;1;2;3m中e\u0301\n" + // colours carried from here on
		"x\n"
	cells := parseCells([]byte(out), 6, 6)
	if len(cells) != 6 {
		t.Fatalf("%d rows, want 6", len(cells))
	}
	for y, row := range cells {
		if len(row) != 6 {
			t.Fatalf("row %d has %d cells, want 6", y, len(row))
		}
	}
	check := func(y, x int, text string, width int, st Style) {
		t.Helper()
		want := Cell{Text: text, Width: width, Style: st}
		if got := cells[y][x]; got != want {
			t.Errorf("cell %d,%d = %+v, want %+v", y, x, got, want)
		}
	}
	check(0, 0, "a", 1, Style{Fg: Basic(1), Attrs: Bold})
	check(0, 1, "b", 1, Style{Fg: Basic(1), Attrs: Bold})
	check(0, 2, "c", 1, Style{})
	check(0, 3, " ", 1, Style{})
	check(1, 0, "u", 1, Style{Attrs: UnderlineDouble})
	check(1, 1, "o", 1, Style{Attrs: Overline})
	check(2, 0, "┌", 1, Style{})
	check(2, 1, "─", 1, Style{})
	check(2, 2, "┐", 1, Style{})
	check(2, 3, "|", 1, Style{})
	colours := Style{Fg: Indexed(200), Bg: RGB(1, 2, 3)}
	check(3, 0, "中", 2, colours)
	check(3, 1, "", 0, colours)
	check(3, 2, "e\u0301", 1, colours)
	check(4, 0, "x", 1, colours) // attributes carry over the line end
	check(5, 0, " ", 1, Style{})
}

func TestParseFields(t *testing.T) {
	var st State
	line := "5|3|0|1|1|1|0|1|0|0|1|1|0|2|9|8,16,24|a|title with | bar"
	if err := parseFields(&st, line); err != nil {
		t.Fatal(err)
	}
	want := State{CursorX: 5, CursorY: 3, CursorVisible: false, Alternate: true,
		Modes: Modes{Insert: true, CursorKeys: true, MouseStandard: true, MouseSGR: true, Origin: true,
			ScrollTop: 2, ScrollBottom: 9, Tabs: "8,16,24"},
		Title: "a|title with | bar"}
	if st.CursorX != want.CursorX || st.CursorY != want.CursorY || st.CursorVisible != want.CursorVisible ||
		st.Alternate != want.Alternate || st.Modes != want.Modes || st.Title != want.Title {
		t.Errorf("got %+v\nwant %+v", st, want)
	}
	if err := parseFields(&st, "1|2|x"); err == nil {
		t.Error("a short line parsed")
	}
}

// Blanks keep only what shows; blanks with only a background colour at the
// end of a row become default (tmux leaves erased ones out of captures).
func TestNormalise(t *testing.T) {
	bg := Style{Bg: Basic(4)}
	st := State{Cols: 5, Rows: 1, Cells: [][]Cell{{
		{Text: " ", Width: 1, Style: Style{Fg: Basic(1), Bg: Basic(4), Attrs: Bold}},
		{Text: "x", Width: 1, Style: Style{Attrs: Bold}},
		{Text: " ", Width: 1, Style: Style{Fg: Basic(2), Attrs: UnderlineSingle | Italic}},
		{Text: " ", Width: 1, Style: bg},
		{Text: " ", Width: 1, Style: bg},
	}}}
	st.Normalise()
	want := []Cell{
		{Text: " ", Width: 1, Style: bg},
		{Text: "x", Width: 1, Style: Style{Attrs: Bold}},
		{Text: " ", Width: 1, Style: Style{Fg: Basic(2), Attrs: UnderlineSingle}},
		blank, blank,
	}
	for x, c := range st.Cells[0] {
		if c != want[x] {
			t.Errorf("cell %d = %+v, want %+v", x, c, want[x])
		}
	}
}

func TestDiffReadable(t *testing.T) {
	mk := func(row string) *State {
		st := &State{Cols: 10, Rows: 2, Cells: parseCells([]byte(row+"\n\n"), 10, 2)}
		return st
	}
	want, got := mk("hello"), mk("help")
	got.CursorX = 4
	d := Diff(want, got)
	for _, s := range []string{`row 0, column 3: want "l" (default), got "p" (default)`,
		"want row 0: |hello     |", "got  row 0: |help      |", "cursor: want [0 0], got [4 0]"} {
		if !strings.Contains(d, s) {
			t.Errorf("diff lacks %q:\n%s", s, d)
		}
	}
	if d := Diff(want, mk("hello")); d != "" {
		t.Errorf("equal states differ: %s", d)
	}
}

// The capture parser never panics and always returns rows x cols cells
// (more only where widths disagree with tmux's).
func FuzzParseCells(f *testing.F) {
	f.Add([]byte("\x1b[1;38;5;3mab\n\x0eq\x0f\n"))
	f.Add([]byte("\x1b[4:2;5:3;38;2;1;2mx\x1b[\n中\u0301"))
	f.Fuzz(func(t *testing.T, in []byte) {
		cells := parseCells(in, 8, 3)
		if len(cells) < 3 {
			t.Fatalf("%d rows", len(cells))
		}
		for _, row := range cells {
			if len(row) < 8 {
				t.Fatalf("row of %d cells", len(row))
			}
		}
	})
}
