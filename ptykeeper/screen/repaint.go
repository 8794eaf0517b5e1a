// repaint.go builds the repaint: the bytes that make a terminal in any
// state (a user's shell, possibly on the alternate screen, with odd modes
// set) show and keep exactly what the model does, main screen first so
// that leaving the alternate screen later shows what a terminal that never
// detached would show.

package screen

// prelude resets what matters before painting: any sequence the terminal
// was in the middle of cancelled (CAN), the cursor hidden while
// drawing, the alternate screen left, attributes, hyperlink, scroll region,
// origin and insert modes, autowrap on (painting relies on it), charsets,
// and the screen cleared.
const prelude = "\x18\x1b[?25l\x1b[?1049l\x1b[0m\x1b]8;;\x1b\\\x1b[r\x1b[?6l\x1b[4l\x1b[?7h\x1b(B\x1b)B\x0f\x1b[H\x1b[2J"

// AppendRepaint appends to dst the bytes that turn a terminal in any state
// into one equal to the model: the main screen painted (rows with their
// attributes, trailing background-only blanks as an erase in that colour),
// the cursor and pen the 1049 switch saved (switching there), then, if the
// alternate screen is active, its contents, then every setting (see
// restore), cursor visibility last.
func (s *Screen) AppendRepaint(dst []byte) []byte {
	p := painter{s: s, dst: append(dst, prelude...), cols: s.cols,
		t: termState{cs: defaultCharsets, modes: modes{bits: mAutowrap}, bottom: s.rows - 1}}
	t := &p.t
	p.paintGrid(s.main, nil)
	if s.altSaved.valid {
		p.emitAltSlot(&s.altSaved, s.alt != nil)
	} else if s.alt != nil {
		p.dst = append(p.dst, "\x1b[?1047h"...)
	}
	if s.alt != nil {
		p.prepPrint()
		p.originOff()
		p.setPen(&pen{}, t.link)
		p.dst = append(p.dst, "\x1b[H\x1b[2J"...)
		t.x, t.y = 0, 0
		p.paintGrid(s.alt, nil)
	}
	p.restore(true)
	return p.dst
}

// paintGrid paints every row of g that differs from old (nil: a cleared
// screen). On a cleared screen, rows continued on the next one are painted
// to their end so that the terminal marks them so too.
func (p *painter) paintGrid(g *grid, old []row) {
	for y := 0; y < g.height(); y++ {
		var o *row
		if old != nil {
			o = &old[y]
		}
		r := g.row(y)
		wrapped := old == nil && r.wrapped && y < g.height()-1
		cont := old == nil && y > 0 && g.row(y-1).wrapped
		p.paintRow(r, o, y, wrapped, cont)
	}
}
