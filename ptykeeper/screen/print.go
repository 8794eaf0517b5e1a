// print.go puts characters on the screen: runs of ASCII copied into the row
// in one loop, single runes with their width (wide characters, combining
// marks and zero width joiners joining the cell before), autowrap and the
// pending wrap, insert mode, and the DEC special graphics charset.

package screen

// printASCII prints a run of printable ASCII (0x20-0x7e).
func (s *Screen) printASCII(b []byte) {
	if s.zwj || s.cs.g[s.cs.gl] != 'B' || s.modes.has(mInsert) || !s.modes.has(mAutowrap) {
		for _, c := range b {
			s.printRune(rune(c))
		}
		return
	}
	s.lastR = rune(b[len(b)-1])
	for len(b) > 0 {
		if s.x >= s.cols {
			s.wrap()
		}
		r := s.g.row(s.y)
		n := min(len(b), s.cols-s.x)
		r.splitWide(s.x, s.x+n)
		r.wrote(s.x + n)
		tmpl := Cell{fg: s.pen.fg, bg: s.pen.bg, attr: s.pen.attr}
		if s.pen.ul != 0 || s.link != "" {
			tmpl = s.penCell(r)
		}
		cells := r.cells[s.x : s.x+n]
		text := b[:len(cells)]
		// Field by field: a whole-struct copy after setting r goes
		// through the stack and stalls on store forwarding (3x slower).
		for k, c := range text {
			cell := &cells[k]
			cell.r, cell.fg, cell.bg, cell.attr, cell.ext = rune(c), tmpl.fg, tmpl.bg, tmpl.attr, tmpl.ext
		}
		s.x += n
		b = b[n:]
	}
}

// penCell returns a blank cell in the current pen, with its side data
// (underline colour, hyperlink) entered in row r's table.
func (s *Screen) penCell(r *row) Cell {
	c := Cell{fg: s.pen.fg, bg: s.pen.bg, attr: s.pen.attr}
	if s.pen.ul != 0 || s.link != "" {
		c.ext = r.addExt(cellExt{ul: s.pen.ul, link: s.link}, &s.scratch)
	}
	return c
}

// wrap moves to the start of the next line, scrolling at the bottom of the
// region, and marks the line left as continued. A line that enters by
// wrapping is blank in the default colours (tmux), unlike one entering by
// a line feed, which takes the pen's background.
func (s *Screen) wrap() {
	s.g.row(s.y).wrapped = true
	s.feed(0)
	s.x = 0
}

// printRune prints one character (the slow path: non-ASCII, charsets,
// insert mode, no autowrap, joiners).
func (s *Screen) printRune(r rune) {
	raw := r
	s.lastR = -1 // REP repeats only an ASCII character just printed (tmux)
	if r < 0x7f && r >= 0x20 {
		r = s.translate(byte(r))
	}
	w := 1
	if r >= 0x7f {
		w = s.width.runeWidth(r)
		if w < 0 {
			return // a C1 control point: not shown
		}
	}
	if r == 0x200d {
		// A zero width joiner: the next character joins the cluster
		// before, with the joiner. Until it comes the joiner is kept
		// aside (as tmux does), so no cell ends in one.
		s.zwj = true
		return
	}
	if s.zwj {
		s.zwj = false
		s.combine(0x200d)
		s.combine(r)
		return
	}
	if w == 0 {
		s.combine(r)
		return
	}
	if raw < 0x7f {
		s.lastR = raw
	}
	s.put(r, w)
}

// put places a character of width w (1 or 2) at the cursor, as tmux's
// screen_write_cell does.
func (s *Screen) put(r rune, w int) {
	autowrap := s.modes.has(mAutowrap)
	if !autowrap && w > 1 && (w > s.cols || (s.x != s.cols && s.x > s.cols-w)) {
		return // does not fit and may not wrap: dropped
	}
	if s.modes.has(mInsert) {
		s.g.row(s.y).insertCells(s.x, w, 0)
	}
	if autowrap && s.x > s.cols-w {
		s.wrap()
	}
	if s.x > s.cols-w {
		return // still no room (wide on a 1-column screen; pending wrap with autowrap off)
	}
	row := s.g.row(s.y)
	row.splitWide(s.x, s.x+w)
	row.wrote(s.x + w)
	var ext uint16
	if s.pen.ul != 0 || s.link != "" {
		ext = s.penCell(row).ext
	}
	// Field by field, as in printASCII.
	c := &row.cells[s.x]
	c.r, c.fg, c.bg, c.attr, c.ext = r, s.pen.fg, s.pen.bg, s.pen.attr, ext
	if w == 2 {
		c.attr |= attrWide
		c2 := &row.cells[s.x+1]
		c2.r, c2.fg, c2.bg, c2.attr, c2.ext = 0, s.pen.fg, s.pen.bg, s.pen.attr|attrWideCont, ext
	}
	last := 0
	if !autowrap {
		last = 1
	}
	if s.x <= s.cols-last-w {
		s.x += w
	} else {
		s.x = s.cols - last
	}
}

// combine appends r to the character before the cursor (the last one
// written when the wrap is pending), as tmux does; at the start of a line
// there is none and r is dropped.
func (s *Screen) combine(r rune) {
	x := min(s.x, s.cols) - 1
	if x < 0 {
		return
	}
	row := s.g.row(s.y)
	if row.cells[x].isCont() && x > 0 {
		x--
	}
	c := &row.cells[x]
	if c.isCont() {
		return
	}
	var buf [maxCluster]byte
	txt := row.clusterOf(c)
	if txt == nil {
		txt = appendRune(buf[:0], c.r)
	} else {
		txt = append(buf[:0], txt...)
	}
	if len(txt)+utf8Len(r) > maxCluster {
		return
	}
	txt = appendRune(txt, r)
	row.setCluster(c, txt, &s.scratch)
	row.wrote(x + 1) // the cell may have been an erased one

}

func utf8Len(r rune) int {
	switch {
	case r < 0x80:
		return 1
	case r < 0x800:
		return 2
	case r < 0x10000:
		return 3
	}
	return 4
}

// translate maps a printable ASCII byte through the invoked charset.
func (s *Screen) translate(c byte) rune {
	if s.cs.g[s.cs.gl] == '0' {
		switch {
		case c >= 0x60:
			return decGraphics[c-0x60]
		case c >= '+' && c <= '.':
			return decArrows[c-'+']
		case c == '0':
			return '▮'
		}
	}
	return rune(c)
}

// decGraphics is the DEC special graphics set for 0x60-0x7e in Unicode,
// and decArrows the arrows terminfo's acsc adds on + , - . (with a block on
// 0), as tmux draws them.
var (
	decGraphics = [31]rune{
		'◆', '▒', '␉', '␌', '␍', '␊', '°', '±', '␤', '␋', '┘', '┐', '┌', '└', '┼', '⎺',
		'⎻', '─', '⎼', '⎽', '├', '┤', '┴', '┬', '│', '≤', '≥', 'π', '≠', '£', '·',
	}
	decArrows = [4]rune{'→', '←', '↑', '↓'}
)
