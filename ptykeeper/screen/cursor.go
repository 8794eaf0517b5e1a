// cursor.go moves the cursor (with the clamping rules of each movement,
// as tmux applies them), feeds lines (scrolling the region), and saves and
// restores the cursor (DECSC/DECRC, and the 1049 switch).

package screen

// cursorTo moves to column x, row y (0-based), clamped to the screen;
// with origin and origin mode on, y counts from the top of the region and
// is clamped to it. A negative value keeps that coordinate.
func (s *Screen) cursorTo(x, y int, origin bool) {
	if y >= 0 && origin && s.modes.has(mOrigin) {
		if y > s.bottom-s.top {
			y = s.bottom
		} else {
			y += s.top
		}
	}
	if x >= 0 {
		s.x = min(x, s.cols-1)
	}
	if y >= 0 {
		s.y = min(y, s.rows-1)
	}
}

func (s *Screen) cursorUp(n int) {
	if s.y < s.top {
		n = min(n, s.y)
	} else {
		n = min(n, s.y-s.top)
	}
	s.x = min(s.x, s.cols-1)
	s.y -= n
}

func (s *Screen) cursorDown(n int) {
	if s.y > s.bottom {
		n = min(n, s.rows-1-s.y)
	} else {
		n = min(n, s.bottom-s.y)
	}
	s.x = min(s.x, s.cols-1)
	s.y += n
}

func (s *Screen) cursorRight(n int) {
	s.x = min(s.x, s.cols-1)
	s.x = min(s.x+n, s.cols-1)
}

func (s *Screen) cursorLeft(n int) {
	s.x = max(s.x-n, 0)
}

// backspace moves left; at column 0 of a row continued from the one above
// it goes to the end of that one (tmux), but not out of the region in
// origin mode.
func (s *Screen) backspace() {
	if s.x > 0 {
		s.x--
		return
	}
	if s.y > 0 && s.g.row(s.y-1).wrapped && !(s.modes.has(mOrigin) && s.y == s.top) {
		s.y--
		s.x = s.cols - 1
	}
}

// lineFeed moves down a row, scrolling the region when at its bottom.
func (s *Screen) lineFeed() { s.feed(s.pen.bg) }

// feed is lineFeed with the background of a line that scrolls in.
func (s *Screen) feed(bg Color) {
	if s.y == s.bottom {
		s.g.scrollUp(s.top, s.bottom, 1, bg)
	} else if s.y < s.rows-1 {
		s.y++
	}
}

// reverseIndex moves up a row, scrolling the region down at its top.
func (s *Screen) reverseIndex() {
	if s.y == s.top {
		s.g.scrollDown(s.top, s.bottom, 1, s.pen.bg)
	} else if s.y > 0 {
		s.y--
	}
}

func (s *Screen) tab(n int) {
	for ; n > 0 && s.x < s.cols-1; n-- {
		for {
			s.x++
			if s.tabs.has(s.x) || s.x >= s.cols-1 {
				break
			}
		}
	}
}

func (s *Screen) backTab(n int) {
	x := min(s.x, s.cols-1)
	for ; x > 0 && n > 0; n-- {
		for {
			x--
			if x == 0 || s.tabs.has(x) {
				break
			}
		}
	}
	s.x = x
}

// saveCursor is DECSC. A pending wrap is not kept: restoring puts the
// cursor on the last column (tmux).
func (s *Screen) saveCursor() {
	s.saved = savedCursor{x: min(s.x, s.cols-1), y: s.y, pen: s.pen, cs: s.cs, origin: s.modes.has(mOrigin)}
}

// restoreCursor is DECRC. As in xterm (tmux does not), with origin mode
// restored on the cursor is kept inside the scroll region.
func (s *Screen) restoreCursor() {
	c := &s.saved
	s.pen, s.cs = c.pen, c.cs
	s.modes.set(mOrigin, c.origin)
	s.x = min(c.x, s.cols-1)
	s.y = min(c.y, s.rows-1)
	if c.origin {
		s.y = min(max(s.y, s.top), s.bottom)
	}
}

// enterAlt switches to a new, blank alternate screen, saving the pen and,
// with withCursor (1049), the cursor position.
func (s *Screen) enterAlt(withCursor bool) {
	if s.alt != nil {
		return
	}
	s.altSaved.pen = s.pen
	if withCursor {
		s.altSaved.x, s.altSaved.y, s.altSaved.valid = min(s.x, s.cols-1), s.y, true
	}
	s.alt = getGrid(s.cols, s.rows)
	s.g = s.alt
	s.epoch++
}

// leaveAlt returns to the main screen and releases the alternate one;
// with withCursor (1049) it restores the position and pen the switch saved,
// whether or not the alternate screen was active (tmux).
func (s *Screen) leaveAlt(withCursor bool) {
	if s.alt != nil {
		putGrid(s.alt)
		s.alt = nil
		s.g = s.main
		s.epoch++
	}
	if withCursor && s.altSaved.valid {
		s.x, s.y, s.pen = s.altSaved.x, s.altSaved.y, s.altSaved.pen
	}
	s.x, s.y = min(s.x, s.cols-1), min(s.y, s.rows-1)
}
