// frame.go defines Frame, a copy of what a terminal shows and keeps at one
// moment, and Snapshot, which takes one. A caller keeps the Frame a client
// last received, so AppendDiff can send that client only what changed.

package screen

// termState is everything besides cells that a terminal keeps and a
// repaint restores. x, y are absolute; x == cols is a pending wrap; -1 is
// unknown (only in the emitter's picture of a terminal).
type termState struct {
	x, y        int
	pen         pen
	link        string
	cs          charsets
	modes       modes
	top, bottom int
	tabs        tabStops
	cursorStyle uint8
	title       []byte
	titleSet    bool
	titleStack  [][]byte
	stackUnset  int
	saved       savedCursor
	altSaved    altSlot
}

func (t *termState) copyFrom(src *termState) {
	title, stack := t.title, t.titleStack
	*t = *src
	t.title = append(title[:0], src.title...)
	for len(stack) < len(src.titleStack) {
		stack = append(stack, nil)
	}
	stack = stack[:len(src.titleStack)]
	for i := range stack {
		stack[i] = append(stack[i][:0], src.titleStack[i]...)
	}
	t.titleStack = stack
}

// state returns the screen's current termState (sharing its slices).
func (s *Screen) snapshotState() termState {
	return termState{
		x: s.x, y: s.y, pen: s.pen, link: s.link, cs: s.cs, modes: s.modes,
		top: s.top, bottom: s.bottom, tabs: s.tabs, cursorStyle: s.cursorStyle,
		title: s.title, titleSet: s.titleSet, titleStack: s.titleStack, stackUnset: s.stackUnset, saved: s.saved, altSaved: s.altSaved,
	}
}

// Frame is a copy of everything a terminal shows and keeps: the cells of
// the active screen and every setting (cursor, pen, modes, charsets, scroll
// region, tab stops, saved cursor, title). It does not copy the main screen
// while the alternate one is active: that cannot change until the program
// switches back, which AppendDiff notices.
//
// Memory: 16 bytes per cell of the screen (30 KiB at 80x24, 7.6 MiB at the
// 1000x500 maximum), plus the side data of cells that have any (clusters,
// hyperlinks, underline colours; bounded per row), the title and the title
// stack (at most 11 x 4 KiB). The zero Frame is empty; Snapshot fills it,
// reusing its memory.
type Frame struct {
	cols, rows int
	epoch      uint64
	alt        bool
	valid      bool
	midSeq     bool // taken inside a sequence: a difference starts with CAN
	lines      []row
	st         termState
}

// Snapshot copies the screen's current state into f, reusing f's memory.
func (s *Screen) Snapshot(f *Frame) {
	f.cols, f.rows, f.epoch, f.alt, f.valid = s.cols, s.rows, s.epoch, s.alt != nil, true
	f.midSeq = s.MidSequence()
	if cap(f.lines) < s.rows {
		f.lines = append(f.lines[:cap(f.lines)], make([]row, s.rows-cap(f.lines))...)
	}
	f.lines = f.lines[:s.rows]
	for y := range f.lines {
		f.lines[y].copyFrom(s.g.row(y))
	}
	st := s.snapshotState()
	f.st.copyFrom(&st)
}
