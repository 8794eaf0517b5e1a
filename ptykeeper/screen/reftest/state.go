// state.go defines what a terminal shows and keeps (State: cells with
// attributes, cursor, modes, title) and how two states are compared: after
// normalising what the reference cannot tell apart, the first difference in
// a form a person can read.

package reftest

import (
	"fmt"
	"strconv"
	"strings"
)

// Color is a cell colour. The zero value is the terminal's default colour.
type Color uint32

// Colour kinds, in the top byte of a Color.
const (
	kindDefault = 0
	kindBasic   = 1 // SGR 30–37/40–47: one of 8, which bold may brighten
	kindIndexed = 2 // SGR 90–97/100–107 (as 8–15) and 38;5;n
	kindRGB     = 3
)

// Basic returns one of the 8 colours set by SGR 30–37 (or 40–47).
func Basic(n uint8) Color { return Color(kindBasic<<24 | uint32(n&7)) }

// Indexed returns palette colour n (SGR 38;5;n; SGR 90–97 are 8–15).
func Indexed(n uint8) Color { return Color(kindIndexed<<24 | uint32(n)) }

// RGB returns a 24-bit colour.
func RGB(r, g, b uint8) Color {
	return Color(kindRGB<<24 | uint32(r)<<16 | uint32(g)<<8 | uint32(b))
}

func (c Color) String() string {
	v := uint32(c) & 0xffffff
	switch c >> 24 {
	case kindBasic:
		return "basic " + strconv.Itoa(int(v))
	case kindIndexed:
		return "colour " + strconv.Itoa(int(v))
	case kindRGB:
		return fmt.Sprintf("#%06x", v)
	}
	return "default"
}

// Attr is a set of character attributes.
type Attr uint16

// Attributes. Underline styles are exclusive; UnderlineSingle is SGR 4.
const (
	Bold Attr = 1 << iota
	Dim
	Italic
	Blink
	Reverse
	Hidden
	Strike
	Overline
	UnderlineSingle
	UnderlineDouble
	UnderlineCurly
	UnderlineDotted
	UnderlineDashed

	underlines = UnderlineSingle | UnderlineDouble | UnderlineCurly | UnderlineDotted | UnderlineDashed
	// decorations are the attributes that show on a blank cell.
	decorations = Reverse | Strike | Overline | underlines
)

var attrNames = []string{"bold", "dim", "italic", "blink", "reverse", "hidden", "strike", "overline",
	"underline", "double-underline", "curly-underline", "dotted-underline", "dashed-underline"}

func (a Attr) String() string {
	var s []string
	for i, n := range attrNames {
		if a&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	return strings.Join(s, ",")
}

// Style is how a cell is drawn. The zero Style is the terminal default.
type Style struct {
	Fg, Bg, Underline Color // Underline: the underline colour (SGR 58)
	Attrs             Attr
}

func (s Style) String() string {
	var p []string
	if s.Fg != 0 {
		p = append(p, "fg "+s.Fg.String())
	}
	if s.Bg != 0 {
		p = append(p, "bg "+s.Bg.String())
	}
	if s.Underline != 0 {
		p = append(p, "underline "+s.Underline.String())
	}
	if s.Attrs != 0 {
		p = append(p, s.Attrs.String())
	}
	if len(p) == 0 {
		return "default"
	}
	return strings.Join(p, " ")
}

// Cell is one column of a row. A wide character occupies a cell of Width 2
// followed by a cell of Width 0 with no text.
type Cell struct {
	Text  string // a character and its combining marks; " " for a blank
	Width int
	Style Style
}

// blank is a default empty cell.
var blank = Cell{Text: " ", Width: 1}

// Modes are the terminal modes the reference reports.
type Modes struct {
	Insert        bool // IRM (4)
	CursorKeys    bool // DECCKM (?1)
	Keypad        bool // DECKPAM
	MouseStandard bool // ?1000
	MouseButton   bool // ?1002
	MouseAll      bool // ?1003
	MouseSGR      bool // ?1006
	Origin        bool // DECOM (?6)
	Wrap          bool // DECAWM (?7)
	// ScrollTop and ScrollBottom are the scroll region, 0-based inclusive.
	ScrollTop, ScrollBottom int
	// Tabs lists the tab stops, comma-separated, as tmux's pane_tabs.
	Tabs string
}

// State is what a terminal shows and keeps after receiving a stream.
type State struct {
	Cols, Rows int
	// Cells has Rows rows of Cols cells, normalised (see Normalise).
	Cells            [][]Cell
	CursorX, CursorY int
	CursorVisible    bool
	Alternate        bool // the alternate screen is active
	Modes            Modes
	Title            string
}

// Normalise makes equal what the reference cannot tell apart, in place:
// attributes that do not show on a blank cell; and blanks with only a
// background colour at the end of a row, which tmux leaves out of captures
// when they were erased (ED/EL with a background colour), so a repaint
// that writes them as spaces could not match. Consequence: a wrong
// background colour at the end of a row goes unnoticed.
func (s *State) Normalise() {
	for y, row := range s.Cells {
		for x := range row {
			row[x] = visible(row[x])
		}
		end := len(row)
		for end > 0 && row[end-1].Text == " " && row[end-1].Style.Attrs&decorations == 0 {
			end--
		}
		for x := end; x < len(row); x++ {
			row[x] = blank
		}
		s.Cells[y] = row
	}
}

// visible returns c reduced to what shows: a blank keeps its background
// and, where a decoration draws in it, its foreground.
func visible(c Cell) Cell {
	if c.Text == "" && c.Width != 0 {
		c.Text = " "
	}
	if c.Text != " " {
		return c
	}
	if c.Style.Attrs&decorations == 0 {
		c.Style = Style{Bg: c.Style.Bg}
	} else {
		c.Style.Attrs &^= Bold | Italic | Blink | Hidden
		if c.Style.Attrs&underlines == 0 {
			c.Style.Underline = 0
		}
	}
	return c
}

// Diff returns "" if got equals want, otherwise a description of the first
// cell that differs (with both rows) and of every other field that differs.
func Diff(want, got *State) string {
	var b strings.Builder
	if want.Cols != got.Cols || want.Rows != got.Rows {
		fmt.Fprintf(&b, "size: want %dx%d, got %dx%d\n", want.Cols, want.Rows, got.Cols, got.Rows)
		return b.String()
	}
	cellDiff(&b, want, got)
	field := func(name string, w, g any) {
		if w != g {
			fmt.Fprintf(&b, "%s: want %v, got %v\n", name, w, g)
		}
	}
	field("cursor", [2]int{want.CursorX, want.CursorY}, [2]int{got.CursorX, got.CursorY})
	field("cursor visible", want.CursorVisible, got.CursorVisible)
	field("alternate screen", want.Alternate, got.Alternate)
	field("insert mode (IRM)", want.Modes.Insert, got.Modes.Insert)
	field("cursor keys (DECCKM)", want.Modes.CursorKeys, got.Modes.CursorKeys)
	field("keypad (DECKPAM)", want.Modes.Keypad, got.Modes.Keypad)
	field("mouse ?1000", want.Modes.MouseStandard, got.Modes.MouseStandard)
	field("mouse ?1002", want.Modes.MouseButton, got.Modes.MouseButton)
	field("mouse ?1003", want.Modes.MouseAll, got.Modes.MouseAll)
	field("mouse SGR ?1006", want.Modes.MouseSGR, got.Modes.MouseSGR)
	field("origin mode (DECOM)", want.Modes.Origin, got.Modes.Origin)
	field("autowrap (DECAWM)", want.Modes.Wrap, got.Modes.Wrap)
	field("scroll region", [2]int{want.Modes.ScrollTop, want.Modes.ScrollBottom}, [2]int{got.Modes.ScrollTop, got.Modes.ScrollBottom})
	field("tab stops", want.Modes.Tabs, got.Modes.Tabs)
	field("title", strconv.Quote(want.Title), strconv.Quote(got.Title))
	return b.String()
}

func cellDiff(b *strings.Builder, want, got *State) {
	for y := 0; y < want.Rows; y++ {
		wr, gr := want.Cells[y], got.Cells[y]
		for x := 0; x < max(len(wr), len(gr)); x++ {
			w, g := cellAt(wr, x), cellAt(gr, x)
			if w == g {
				continue
			}
			fmt.Fprintf(b, "row %d, column %d: want %s, got %s\n", y, x, describe(w), describe(g))
			fmt.Fprintf(b, "  want row %d: |%s|\n", y, RowText(wr))
			fmt.Fprintf(b, "  got  row %d: |%s|\n", y, RowText(gr))
			return
		}
	}
}

func cellAt(row []Cell, x int) Cell {
	if x < len(row) {
		return row[x]
	}
	return blank
}

func describe(c Cell) string {
	s := strconv.Quote(c.Text)
	if c.Width != 1 {
		s += " width " + strconv.Itoa(c.Width)
	}
	return s + " (" + c.Style.String() + ")"
}

// RowText returns a row's characters without attributes.
func RowText(row []Cell) string {
	var b strings.Builder
	for _, c := range row {
		b.WriteString(c.Text)
	}
	return b.String()
}

// Text returns the screen's characters, one line per row, trailing blanks
// trimmed.
func (s *State) Text() string {
	var b strings.Builder
	for _, row := range s.Cells {
		b.WriteString(strings.TrimRight(RowText(row), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
