// diff.go builds the difference between a Frame a terminal shows and the
// model now: the changed spans of changed rows, then only the settings that
// changed. A lagging client gets this instead of the bytes it missed.

package screen

// AppendDiff appends to dst the bytes that turn a terminal showing from
// into one showing the model now: the same final state AppendRepaint
// produces, but for unchanged rows nothing, for changed rows their changed
// spans, and cursor, modes, pen and the rest only where they differ. With
// from nil or unusable (another size, or taken before a switch between the
// main and the alternate screen) it is a full repaint.
func (s *Screen) AppendDiff(dst []byte, from *Frame) []byte {
	if from == nil || !from.valid {
		return s.AppendRepaint(dst)
	}
	if from.cols != s.cols || from.rows != s.rows || from.epoch != s.epoch ||
		from.alt != (s.alt != nil) || len(from.lines) != s.rows {
		// A full repaint, after emptying the title stack the terminal
		// has (which a repaint cannot know).
		if from.midSeq {
			dst = append(dst, 0x18)
		}
		for range from.st.titleStack {
			dst = append(dst, "\x1b[23;0t"...)
		}
		return s.AppendRepaint(dst)
	}
	if from.midSeq {
		dst = append(dst, 0x18) // CAN: out of the sequence the terminal is in
	}
	// A shallow copy of the frame's state: the emitter only replaces its
	// slices, never writes into them.
	p := painter{s: s, dst: dst, t: from.st, cols: s.cols}
	prepared := false
	for y := 0; y < s.rows; y++ {
		r, old := s.g.row(y), &from.lines[y]
		if !rowChanged(r, old) {
			continue
		}
		if !prepared {
			p.prepPrint()
			p.originOff()
			prepared = true
		}
		p.paintRow(r, old, y, false, false)
	}
	p.restore(false)
	return p.dst
}

func rowChanged(r, old *row) bool {
	if len(r.cells) != len(old.cells) {
		return true
	}
	for x := range r.cells {
		a, b := &r.cells[x], &old.cells[x]
		if *a == *b && a.ext == 0 {
			continue
		}
		if !cellsEqual(r, a, old, b) {
			return true
		}
	}
	return false
}
