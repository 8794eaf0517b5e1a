// paint.go paints rows into a terminal: only the cells that differ from
// what the terminal shows (nothing on a cleared screen for default blanks),
// in spans joined across short gaps, trailing background-only blanks as an
// erase to end of line in that colour, with the pen and hyperlink changed
// only where they change. The emitter's picture of the terminal (a
// termState) follows every byte written.

package screen

// gapJoin: a run of this many unchanged cells or fewer inside a changed
// span is repainted rather than jumped over (a jump costs 4-8 bytes).
const gapJoin = 4

// painter paints one grid into a terminal whose state is t.
type painter struct {
	s    *Screen
	dst  []byte
	t    termState // what the terminal is known to hold
	cols int
}

// cellDiffers reports whether cell x of row r must be painted over old (nil:
// a cleared row).
func cellDiffers(r *row, old *row, x int) bool {
	c := &r.cells[x]
	if old == nil {
		return *c != Cell{} && *c != Cell{r: ' '}
	}
	return !cellsEqual(r, c, old, &old.cells[x])
}

// cellsEqual reports whether two cells look and behave the same: a space
// and an erased cell are equal; side data is compared by content.
func cellsEqual(ra *row, a *Cell, rb *row, b *Cell) bool {
	ar, br := a.r, b.r
	if ar == 0 {
		ar = ' '
	}
	if br == 0 {
		br = ' '
	}
	if ar != br || a.fg != b.fg || a.bg != b.bg || a.attr != b.attr {
		return false
	}
	if a.ext == 0 && b.ext == 0 {
		return true
	}
	ea, eb := ra.extOf(a), rb.extOf(b)
	if ea.ul != eb.ul || ea.link != eb.link {
		return false
	}
	return string(ra.clusterOf(a)) == string(rb.clusterOf(b))
}

// paintRow paints row y (r) over what the terminal shows (old; nil for a
// cleared row). With wrapped, the row continues on the next one: its last
// cell is painted so that the terminal wraps by itself; with cont, the row
// continues the one above and starts painting at column 0 with no cursor
// move.
func (p *painter) paintRow(r, old *row, y int, wrapped, cont bool) {
	n := p.cols
	differs := func(x int) bool {
		if (wrapped && x == n-1) || (cont && x == 0) {
			return true
		}
		return cellDiffers(r, old, x)
	}
	// A trailing run of blanks in one background colour is erased with EL.
	// On a cleared row nothing past the written cells needs painting.
	end, erase := n, false
	if old == nil && !wrapped && int(r.used) < n {
		end = max(int(r.used), 1)
	}
	if !wrapped {
		bg := r.cells[n-1].bg
		tail, least := n, 0
		if cont {
			least = 1 // the first cell is printed, to continue the row above
		}
		for tail > least && r.cells[tail-1].isBlank() && r.cells[tail-1].bg == bg {
			tail--
		}
		for x := tail; x < end; x++ {
			if differs(x) {
				end, erase = tail, true
				break
			}
		}
	}
	for x := 0; x < end; {
		if !differs(x) {
			x++
			continue
		}
		a, last := x, x
		for j := x + 1; j < end && j-last <= gapJoin; j++ {
			if differs(j) {
				last = j
			}
		}
		if a > 0 && r.cells[a].isCont() {
			a--
		}
		b := last + 1
		if r.cells[last].isWide() && b < n {
			b++
		}
		p.paintCells(r, y, a, b, cont && a == 0)
		x = b
	}
	if erase {
		p.moveTo(end, y, false)
		bg := pen{bg: r.cells[n-1].bg}
		p.setPen(&bg, "")
		p.dst = append(p.dst, "\x1b[K"...)
	}
}

// paintCells paints cells [a, b) of row r (row y). With wrapOK, a pending
// wrap at the end of the row above may carry the cursor to column 0.
func (p *painter) paintCells(r *row, y, a, b int, wrapOK bool) {
	p.moveTo(a, y, wrapOK)
	for x := a; x < b; x++ {
		c := &r.cells[x]
		if c.isCont() {
			continue
		}
		e := r.extOf(c)
		pn := pen{fg: c.fg, bg: c.bg, ul: e.ul, attr: c.attr & penAttrs}
		p.setPen(&pn, e.link)
		p.dst = appendCellText(p.dst, r, c)
		p.t.x += c.width()
	}
	if p.t.x > p.cols {
		p.t.x = p.cols
	}
}

func (p *painter) setPen(pn *pen, link string) {
	p.dst = appendSGR(p.dst, &p.t.pen, pn)
	p.t.pen = *pn
	if link != p.t.link {
		p.dst = appendLink(p.dst, link)
		p.t.link = link
	}
}

// moveTo puts the cursor at column x, row y (absolute; origin mode is off
// while painting). With wrapOK, a pending wrap at the end of the row above
// is left to take the cursor to column 0 of this one when the next
// character prints, which marks the row above as continued in the terminal
// too.
func (p *painter) moveTo(x, y int, wrapOK bool) {
	t := &p.t
	switch {
	case t.y == y && t.x == x:
		return
	case wrapOK && x == 0 && t.x == p.cols && t.y == y-1 && t.y < t.bottom:
		t.x, t.y = 0, y
		return
	}
	p.dst = appendCUP(p.dst, x, y)
	t.x, t.y = x, y
}
