// inspect.go has the read-only accessors: cursor, modes, title, and the
// cells of the active screen, for tests and the keeper's status commands.

package screen

// Cursor returns the cursor position (0-based). After the last column was
// written with autowrap on, x is the last column and WrapPending is true.
func (s *Screen) Cursor() (x, y int) { return min(s.x, s.cols-1), s.y }

// WrapPending reports whether the next printed character wraps first.
func (s *Screen) WrapPending() bool { return s.x >= s.cols }

// CursorVisible reports mode 25.
func (s *Screen) CursorVisible() bool { return s.modes.has(mCursorVisible) }

// CursorStyle returns the DECSCUSR style, 0 (the terminal's default) to 6.
func (s *Screen) CursorStyle() int { return int(s.cursorStyle) }

// AltScreen reports whether the alternate screen is active.
func (s *Screen) AltScreen() bool { return s.alt != nil }

// Title returns the window title (OSC 0 or 2).
func (s *Screen) Title() string { return string(s.title) }

// ScrollRegion returns the scroll region's first and last row (0-based).
func (s *Screen) ScrollRegion() (top, bottom int) { return s.top, s.bottom }

// DECMode reports whether DEC private mode n (CSI ? n h) is set; for the
// mouse modes, whether n is the tracking or encoding mode in effect.
func (s *Screen) DECMode(n int) bool { return s.decModeState(n) == 1 }

// ANSIMode reports whether ANSI mode n (CSI n h: 4 insert, 20 newline) is set.
func (s *Screen) ANSIMode(n int) bool { return s.ansiModeState(n) == 1 }

// CellInfo describes one cell for inspection.
type CellInfo struct {
	Text           string // the character, with any combining marks; "" for the second half of a wide one or an erased cell
	Width          int    // columns: 1, 2 (first half of a wide character) or 0 (second half)
	Fg, Bg         Color
	UnderlineColor Color
	Attrs          Attr
	Link           string // OSC 8 "params;uri", or ""
}

// CellAt returns the cell at column x, row y of the active screen (the zero
// CellInfo outside it).
func (s *Screen) CellAt(x, y int) CellInfo {
	if x < 0 || y < 0 || x >= s.cols || y >= s.rows {
		return CellInfo{}
	}
	r := s.g.row(y)
	c := &r.cells[x]
	e := r.extOf(c)
	info := CellInfo{Width: c.width(), Fg: c.fg, Bg: c.bg, UnderlineColor: e.ul, Attrs: c.attr & penAttrs, Link: e.link}
	if txt := r.clusterOf(c); txt != nil {
		info.Text = string(txt)
	} else if c.r != 0 {
		info.Text = string(c.r)
	}
	return info
}
