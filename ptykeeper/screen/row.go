// row.go owns one row of cells and its side table: the rare per-cell data
// (long grapheme clusters, underline colours, hyperlinks) that does not fit
// in a 16-byte Cell, plus the arena holding the clusters' bytes.

package screen

type row struct {
	cells []Cell
	ext   []cellExt // side table; Cell.ext is 1 + an index into it
	arena []byte    // grapheme cluster bytes referenced by ext
	// used bounds the cells that may differ from the zero Cell: cells
	// [used:] are all zero. Clearing a row of short text (scrolling a
	// log) then clears only what was written.
	used int
	// wrapped: the row's text continues on the next row (the cursor wrapped
	// off its end), as a terminal keeps it for selection and reflow.
	wrapped bool
}

// wrote records that cells before end may be non-zero.
func (r *row) wrote(end int) {
	if end > r.used {
		r.used = min(end, len(r.cells))
	}
}

// shrinkCap is the side-table capacity (entries or bytes) kept when a row
// is cleared; more is released so a row that once held much does not keep it.
const shrinkCap = 4 << 10

// clear erases the whole row to background bg.
func (r *row) clear(bg Color) {
	if bg == 0 {
		clear(r.cells[:r.used])
		r.used = 0
	} else {
		b := blank(bg)
		for i := range r.cells {
			r.cells[i] = b
		}
		r.used = len(r.cells)
	}
	r.dropExt()
	r.wrapped = false
}

// dropExt forgets the side table (every cell must have ext == 0 or be
// rewritten by the caller).
func (r *row) dropExt() {
	if cap(r.ext) > shrinkCap/32 {
		r.ext = nil
	} else {
		r.ext = r.ext[:0]
	}
	if cap(r.arena) > shrinkCap {
		r.arena = nil
	} else {
		r.arena = r.arena[:0]
	}
}

// erase blanks cells [from, to) in background bg, clearing any wide
// character cut in half at either edge.
func (r *row) erase(from, to int, bg Color) {
	n := len(r.cells)
	from, to = max(from, 0), min(to, n)
	if from >= to {
		return
	}
	if from == 0 && to == n {
		r.clear(bg)
		return
	}
	r.splitWide(from, to)
	b := blank(bg)
	for i := from; i < to; i++ {
		r.cells[i] = b
	}
	if bg != 0 {
		r.wrote(to)
	}
}

// splitWide prepares cells [from, to) to be overwritten: the half of a wide
// character left outside the range is blanked (in the default colours, as
// tmux does).
func (r *row) splitWide(from, to int) {
	c := r.cells
	if from > 0 && from < len(c) && c[from].isCont() {
		c[from-1] = Cell{}
	}
	if to > 0 && to < len(c) && c[to-1].isWide() && !c[to-1].isCont() && c[to].isCont() {
		c[to] = Cell{}
	}
}

// repairWide blanks halves of wide characters that lost their partner
// (after cells were shifted by insert or delete).
func (r *row) repairWide() {
	c := r.cells
	for i := range c {
		switch {
		case c[i].isCont():
			if i == 0 || !c[i-1].isWide() {
				c[i] = Cell{bg: c[i].bg}
			}
		case c[i].isWide():
			if i+1 >= len(c) || !c[i+1].isCont() {
				c[i] = Cell{bg: c[i].bg}
			}
		}
	}
}

// insertCells shifts cells [x, end) right by n, dropping what passes the
// end, and blanks the gap in bg.
func (r *row) insertCells(x, n int, bg Color) {
	c := r.cells
	if x < 0 || x >= len(c) || n <= 0 {
		return
	}
	n = min(n, len(c)-x)
	copy(c[x+n:], c[x:len(c)-n])
	b := blank(bg)
	for i := x; i < x+n; i++ {
		c[i] = b
	}
	r.wrote(r.used + n)
	if bg != 0 {
		r.wrote(x + n)
	}
	r.repairWide()
}

// deleteCells removes cells [x, x+n), shifting the rest left and filling
// the end with blanks in bg.
func (r *row) deleteCells(x, n int, bg Color) {
	c := r.cells
	if x < 0 || x >= len(c) || n <= 0 {
		return
	}
	n = min(n, len(c)-x)
	copy(c[x:], c[x+n:])
	b := blank(bg)
	for i := len(c) - n; i < len(c); i++ {
		c[i] = b
	}
	if bg != 0 {
		r.wrote(len(c))
	}
	r.repairWide()
}

// addExt returns the Cell.ext value for side data e, reusing the last entry
// when it is the same (a hyperlink or underline colour spans many cells).
func (r *row) addExt(e cellExt, scratch *extScratch) uint16 {
	if n := len(r.ext); n > 0 && r.ext[n-1] == e {
		return uint16(n)
	}
	if len(r.ext) >= r.extLimit() {
		r.compact(scratch)
		if n := len(r.ext); n > 0 && r.ext[n-1] == e {
			return uint16(n)
		}
	}
	r.ext = append(r.ext, e)
	return uint16(len(r.ext))
}

// setCluster makes txt (the base rune and what joined it) the text of cell
// c, which must be in this row.
func (r *row) setCluster(c *Cell, txt []byte, scratch *extScratch) {
	e := r.extOf(c)
	if len(r.ext) >= r.extLimit() || len(r.arena)+len(txt) > 2*maxCluster*len(r.cells) {
		r.compact(scratch)
		e = r.extOf(c)
	}
	e.textOff, e.textLen = uint32(len(r.arena)), uint16(len(txt))
	r.arena = append(r.arena, txt...)
	r.ext = append(r.ext, e)
	c.ext = uint16(len(r.ext))
}

// extLimit is how many side entries a row holds before unreferenced ones
// are dropped: every cell can reference its own, and the index must fit
// Cell.ext.
func (r *row) extLimit() int { return min(2*len(r.cells)+16, 0xfff0) }

// extOf returns the side data of cell c of this row (zero if none).
func (r *row) extOf(c *Cell) cellExt {
	if c.ext == 0 || int(c.ext) > len(r.ext) {
		return cellExt{}
	}
	return r.ext[c.ext-1]
}

// clusterOf returns the grapheme cluster bytes of cell c, or nil when the
// cell holds a single rune.
func (r *row) clusterOf(c *Cell) []byte {
	if c.ext == 0 || int(c.ext) > len(r.ext) {
		return nil
	}
	e := &r.ext[c.ext-1]
	if e.textLen == 0 || int(e.textOff)+int(e.textLen) > len(r.arena) {
		return nil
	}
	return r.arena[e.textOff : e.textOff+uint32(e.textLen)]
}

// extScratch is reusable memory for compaction, owned by the Screen.
type extScratch struct {
	ext   []cellExt
	arena []byte
}

// compact rebuilds the side table and arena with only the entries cells
// still reference.
func (r *row) compact(s *extScratch) {
	s.ext, s.arena = s.ext[:0], s.arena[:0]
	for i := range r.cells {
		c := &r.cells[i]
		if c.ext == 0 {
			continue
		}
		e := r.extOf(c)
		if txt := r.clusterOf(c); txt != nil {
			e.textOff = uint32(len(s.arena))
			s.arena = append(s.arena, txt...)
		}
		if n := len(s.ext); n > 0 && s.ext[n-1] == e {
			c.ext = uint16(n)
			continue
		}
		s.ext = append(s.ext, e)
		c.ext = uint16(len(s.ext))
	}
	r.ext = append(r.ext[:0], s.ext...)
	r.arena = append(r.arena[:0], s.arena...)
}

// copyFrom makes r an independent copy of src, reusing r's memory.
func (r *row) copyFrom(src *row) {
	r.cells = append(r.cells[:0], src.cells...)
	r.ext = append(r.ext[:0], src.ext...)
	r.arena = append(r.arena[:0], src.arena...)
	r.wrapped, r.used = src.wrapped, src.used
}
