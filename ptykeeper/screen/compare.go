// compare.go compares two models in everything a terminal shows or keeps,
// and says in words where they first differ. The round-trip tests use it
// (a model fed another's repaint must equal it), and so can differential
// tests outside this package.

package screen

import (
	"fmt"
)

// Compare returns "" if a and b are equal in everything a terminal shows
// or keeps — size, both screens' cells with their attributes, cursor
// position, pending wrap, visibility and style, pen, hyperlink, charsets,
// modes, scroll region, tab stops, saved cursors, title and title stack —
// and otherwise a description of the first difference. A space and an
// erased cell are equal (they look and behave the same); whether a row is
// marked as continued is not compared.
func Compare(a, b *Screen) string {
	if a.cols != b.cols || a.rows != b.rows {
		return fmt.Sprintf("size %dx%d != %dx%d", a.cols, a.rows, b.cols, b.rows)
	}
	if (a.alt != nil) != (b.alt != nil) {
		return fmt.Sprintf("alternate screen active: %v != %v", a.alt != nil, b.alt != nil)
	}
	if d := compareGrids("main screen", a.main, b.main); d != "" {
		return d
	}
	if a.alt != nil {
		if d := compareGrids("alternate screen", a.alt, b.alt); d != "" {
			return d
		}
	}
	if a.x != b.x || a.y != b.y {
		return fmt.Sprintf("cursor (%d,%d) != (%d,%d) (x == %d: wrap pending)", a.x, a.y, b.x, b.y, a.cols)
	}
	if d := compareState(a, b); d != "" {
		return d
	}
	if a.saved != b.saved {
		return fmt.Sprintf("saved cursor %s != %s", slotString(&a.saved), slotString(&b.saved))
	}
	if a.altSaved.valid != b.altSaved.valid || a.altSaved.valid && a.altSaved != b.altSaved {
		return fmt.Sprintf("cursor saved by 1049 %+v != %+v", a.altSaved, b.altSaved)
	}
	return ""
}

func compareState(a, b *Screen) string {
	switch {
	case a.pen != b.pen:
		return fmt.Sprintf("pen %s != %s", penString(&a.pen), penString(&b.pen))
	case a.link != b.link:
		return fmt.Sprintf("hyperlink %q != %q", a.link, b.link)
	case a.cs != b.cs:
		return fmt.Sprintf("charsets %s != %s", csString(&a.cs), csString(&b.cs))
	case a.modes != b.modes:
		return fmt.Sprintf("modes %+v != %+v", a.modes, b.modes)
	case a.top != b.top || a.bottom != b.bottom:
		return fmt.Sprintf("scroll region %d-%d != %d-%d", a.top, a.bottom, b.top, b.bottom)
	case a.tabs != b.tabs:
		return fmt.Sprintf("tab stops %v != %v", tabList(&a.tabs, a.cols), tabList(&b.tabs, b.cols))
	case a.cursorStyle != b.cursorStyle:
		return fmt.Sprintf("cursor style %d != %d", a.cursorStyle, b.cursorStyle)
	case string(a.title) != string(b.title) || a.titleSet != b.titleSet:
		return fmt.Sprintf("title %q (set %v) != %q (set %v)", a.title, a.titleSet, b.title, b.titleSet)
	case fmt.Sprintf("%q", a.titleStack) != fmt.Sprintf("%q", b.titleStack) || a.stackUnset != b.stackUnset:
		return fmt.Sprintf("title stack %q (%d unset) != %q (%d unset)", a.titleStack, a.stackUnset, b.titleStack, b.stackUnset)
	}
	return ""
}

func compareGrids(what string, a, b *grid) string {
	for y := 0; y < a.height(); y++ {
		ra, rb := a.row(y), b.row(y)
		for x := range ra.cells {
			if !cellsEqual(ra, &ra.cells[x], rb, &rb.cells[x]) {
				return fmt.Sprintf("%s, row %d, column %d: %s != %s", what, y, x,
					cellString(ra, &ra.cells[x]), cellString(rb, &rb.cells[x]))
			}
		}
	}
	return ""
}

func cellString(r *row, c *Cell) string {
	text := string(appendCellText(nil, r, c))
	if c.isCont() {
		text = "(second half)"
	} else if c.r == 0 {
		text = "(erased)"
	}
	e := r.extOf(c)
	s := fmt.Sprintf("%q %s", text, penString(&pen{fg: c.fg, bg: c.bg, ul: e.ul, attr: c.attr & penAttrs}))
	if c.isWide() {
		s += " wide"
	}
	if e.link != "" {
		s += " link " + e.link
	}
	return s
}

func penString(p *pen) string {
	return fmt.Sprintf("[fg %s bg %s ul %s attr %#x]", colorString(p.fg), colorString(p.bg), colorString(p.ul), uint16(p.attr))
}

func colorString(c Color) string {
	switch c.kind() {
	case kindBasic:
		return fmt.Sprintf("basic %d", uint8(c))
	case kindIndexed:
		return fmt.Sprintf("index %d", uint8(c))
	case kindRGB:
		r, g, b, _ := c.RGB()
		return fmt.Sprintf("#%02x%02x%02x", r, g, b)
	}
	return "default"
}

func csString(c *charsets) string {
	return fmt.Sprintf("G0=%c G1=%c GL=G%d", c.g[0], c.g[1], c.gl)
}

func slotString(c *savedCursor) string {
	return fmt.Sprintf("(%d,%d) origin %v %s %s", c.x, c.y, c.origin, penString(&c.pen), csString(&c.cs))
}

func tabList(t *tabStops, cols int) []int {
	var l []int
	for x := 0; x < cols; x++ {
		if t.has(x) {
			l = append(l, x)
		}
	}
	return l
}
