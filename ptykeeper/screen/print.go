// print.go puts characters on the screen: runs of ASCII copied into the row
// in one loop, single runes with their width (wide characters, combining
// marks and zero width joiners joining the cell before), autowrap and the
// pending wrap, insert mode, and the DEC special graphics charset.

package screen

// printText prints the printable ASCII (0x20-0x7e) that b starts with and
// returns how many bytes that was (at least 1: b[0] must be printable).
// Bytes are checked and copied into the row in the same loop.
func (s *Screen) printText(b []byte) int {
	if s.zwj || s.cs.g[s.cs.gl] != 'B' || s.modes.has(mInsert) || !s.modes.has(mAutowrap) {
		n := 0
		for n < len(b) && b[n] >= 0x20 && b[n] < 0x7f {
			s.printRune(rune(b[n]))
			n++
		}
		return n
	}
	total := 0
	for {
		if s.x >= s.cols {
			s.wrap()
		}
		r := s.g.row(s.y)
		cells := r.cells[s.x:]
		if s.x > 0 && cells[0].isCont() { // half a wide character goes
			r.cells[s.x-1] = Cell{}
		}
		fg, bg, attr, ext := s.pen.fg, s.pen.bg, s.pen.attr, uint16(0)
		if s.pen.ul != 0 || s.link != "" {
			ext = s.penExt(r)
		}
		text := b[:min(len(b), len(cells))]
		k := 0
		// Field by field: a whole-struct copy goes through the stack and
		// stalls on store forwarding (3x slower).
		for ; k < len(text); k++ {
			c := text[k]
			if c < 0x20 || c >= 0x7f {
				break
			}
			cell := &cells[k]
			cell.r, cell.fg, cell.bg, cell.attr, cell.ext = rune(c), fg, bg, attr, ext
		}
		if k < len(cells) && cells[k].isCont() { // the other half
			cells[k] = Cell{}
		}
		r.wrote(s.x + k)
		s.x += k
		total += k
		b = b[k:]
		if k > 0 {
			s.lastR = rune(text[k-1])
		}
		if k < len(text) || len(b) == 0 || b[0] < 0x20 || b[0] >= 0x7f {
			return total
		}
	}
}

// penExt returns the Cell.ext of the pen's side data (underline colour,
// hyperlink) entered in row r's table; the caller checked there is some.
func (s *Screen) penExt(r *row) uint16 {
	return r.addExt(cellExt{ul: s.pen.ul, link: s.link}, &s.scratch)
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
		s.combine(0x200d, r)
		return
	}
	if w == 0 {
		s.combine(-1, r)
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
		ext = s.penExt(row)
	}
	// Field by field, as in printText.
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

// combine appends joiner (unless negative) and r to the character before
// the cursor (the last one written when the wrap is pending), as tmux does;
// at the start of a line there is none and they are dropped, and so they
// are when the cluster has no room for both.
func (s *Screen) combine(joiner, r rune) {
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
	need := utf8Len(r)
	if joiner >= 0 {
		need += utf8Len(joiner)
	}
	if len(txt)+need > maxCluster {
		return
	}
	if joiner >= 0 {
		txt = appendRune(txt, joiner)
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
