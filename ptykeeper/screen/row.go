// row.go owns one row of cells and its side table: the rare per-cell data
// (long grapheme clusters, underline colours, hyperlinks) that does not fit
// in a 16-byte Cell, plus the arena holding the clusters' bytes.

package screen

// row is 40 bytes besides its cells: the side table hangs off a pointer
// that stays nil for the rows (nearly all) that never need one.
type row struct {
	cells []Cell
	side  *rowSide
	// used bounds the cells that may differ from the zero Cell: cells
	// [used:] are all zero. Clearing a row of short text (scrolling a
	// log) then clears only what was written.
	used int32
	// wrapped: the row's text continues on the next row (the cursor wrapped
	// off its end), as a terminal keeps it for selection and reflow.
	wrapped bool
}

// rowSide is a row's side table.
type rowSide struct {
	ext   []cellExt // Cell.ext is 1 + an index into it
	arena []byte    // grapheme cluster bytes referenced by ext
}

// sideTable returns the row's side table, making it if needed.
func (r *row) sideTable() *rowSide {
	if r.side == nil {
		r.side = &rowSide{}
	}
	return r.side
}

// wrote records that cells before end may be non-zero.
func (r *row) wrote(end int) {
	if end > int(r.used) {
		r.used = int32(min(end, len(r.cells)))
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
		r.used = int32(len(r.cells))
	}
	r.dropExt()
	r.wrapped = false
}

// dropExt forgets the side table (every cell must have ext == 0 or be
// rewritten by the caller).
func (r *row) dropExt() {
	sd := r.side
	if sd == nil {
		return
	}
	if cap(sd.ext) > shrinkCap/32 || cap(sd.arena) > shrinkCap {
		r.side = nil
		return
	}
	clear(sd.ext) // no hyperlink strings kept alive
	sd.ext, sd.arena = sd.ext[:0], sd.arena[:0]
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
	r.wrote(int(r.used) + n)
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
	sd := r.sideTable()
	if n := len(sd.ext); n > 0 && sd.ext[n-1] == e {
		return uint16(n)
	}
	if len(sd.ext) >= r.extLimit() {
		r.compact(scratch)
		if n := len(sd.ext); n > 0 && sd.ext[n-1] == e {
			return uint16(n)
		}
	}
	sd.ext = append(sd.ext, e)
	return uint16(len(sd.ext))
}

// setCluster makes txt (the base rune and what joined it) the text of cell
// c, which must be in this row.
func (r *row) setCluster(c *Cell, txt []byte, scratch *extScratch) {
	e := r.extOf(c)
	sd := r.sideTable()
	if len(sd.ext) >= r.extLimit() || len(sd.arena)+len(txt) > 2*maxCluster*len(r.cells) {
		r.compact(scratch)
		e = r.extOf(c)
	}
	e.textOff, e.textLen = uint32(len(sd.arena)), uint16(len(txt))
	sd.arena = append(sd.arena, txt...)
	sd.ext = append(sd.ext, e)
	c.ext = uint16(len(sd.ext))
}

// extLimit is how many side entries a row holds before unreferenced ones
// are dropped: every cell can reference its own, and the index must fit
// Cell.ext.
func (r *row) extLimit() int { return min(2*len(r.cells)+16, 0xfff0) }

// extOf returns the side data of cell c of this row (zero if none).
func (r *row) extOf(c *Cell) cellExt {
	if c.ext == 0 || r.side == nil || int(c.ext) > len(r.side.ext) {
		return cellExt{}
	}
	return r.side.ext[c.ext-1]
}

// clusterOf returns the grapheme cluster bytes of cell c, or nil when the
// cell holds a single rune.
func (r *row) clusterOf(c *Cell) []byte {
	if c.ext == 0 || r.side == nil || int(c.ext) > len(r.side.ext) {
		return nil
	}
	e := &r.side.ext[c.ext-1]
	if e.textLen == 0 || int(e.textOff)+int(e.textLen) > len(r.side.arena) {
		return nil
	}
	return r.side.arena[e.textOff : e.textOff+uint32(e.textLen)]
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
	sd := r.sideTable()
	clear(sd.ext)
	sd.ext = append(sd.ext[:0], s.ext...)
	sd.arena = append(sd.arena[:0], s.arena...)
	clear(s.ext)
}

// copyFrom makes r an independent copy of src, reusing r's memory.
func (r *row) copyFrom(src *row) {
	r.cells = append(r.cells[:0], src.cells...)
	r.wrapped, r.used = src.wrapped, src.used
	if src.side == nil || len(src.side.ext) == 0 {
		r.dropExt()
		return
	}
	sd := r.sideTable()
	sd.ext = append(sd.ext[:0], src.side.ext...)
	sd.arena = append(sd.arena[:0], src.side.arena...)
}
