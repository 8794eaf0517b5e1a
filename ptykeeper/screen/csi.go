// csi.go dispatches control sequences (CSI ... final): cursor movement,
// erasing, inserting and deleting, scrolling, modes, the scroll region,
// tab stops, cursor style, title stack, and queries.

package screen

func (s *Screen) csiDispatch(final byte) {
	rep := s.lastR
	s.lastR, s.zwj = -1, false
	if s.ninter > 1 {
		return
	}
	switch s.priv {
	case 0:
		switch s.inter {
		case 0:
			s.csiPlain(final, rep)
		case ' ':
			if final == 'q' { // DECSCUSR
				s.setCursorStyle(s.param(0, 0))
			}
		case '!':
			if final == 'p' {
				s.softReset()
			}
		case '$':
			if final == 'p' { // DECRQM, ANSI modes
				n := s.param(0, 0)
				s.replyf4("\x1b[", n, ';', s.ansiModeState(n), "$y")
			}
		}
	case '?':
		s.csiPrivate(final)
	case '>':
		s.csiGreater(final)
	}
}

func (s *Screen) csiPlain(final byte, rep rune) {
	switch final {
	case '@': // ICH
		if s.x < s.cols {
			s.g.row(s.y).insertCells(s.x, s.count(0), s.pen.bg)
		}
	case 'A': // CUU
		s.cursorUp(s.count(0))
	case 'B', 'e': // CUD, VPR
		s.cursorDown(s.count(0))
	case 'C', 'a': // CUF, HPR
		s.cursorRight(s.count(0))
	case 'D': // CUB
		s.cursorLeft(s.count(0))
	case 'E': // CNL
		s.x = 0
		s.cursorDown(s.count(0))
	case 'F': // CPL
		s.x = 0
		s.cursorUp(s.count(0))
	case 'G', '`': // CHA, HPA
		s.cursorTo(s.count(0)-1, -1, true)
	case 'H', 'f': // CUP, HVP
		s.cursorTo(s.count(1)-1, s.count(0)-1, true)
	case 'I': // CHT
		s.tab(s.count(0))
	case 'J':
		s.eraseDisplay(s.param(0, 0))
	case 'K':
		s.eraseLine(s.param(0, 0))
	case 'L':
		s.insertLines(s.count(0))
	case 'M':
		s.deleteLines(s.count(0))
	case 'P': // DCH
		if s.x < s.cols {
			s.g.row(s.y).deleteCells(s.x, s.count(0), s.pen.bg)
		}
	case 'S': // SU
		s.g.scrollUp(s.top, s.bottom, s.count(0), s.pen.bg)
	case 'T': // SD (CSI ... T with 5 parameters is mouse tracking: ignore)
		if s.nparams <= 1 {
			s.g.scrollDown(s.top, s.bottom, s.count(0), s.pen.bg)
		}
	case 'X': // ECH
		if s.x < s.cols {
			s.g.row(s.y).erase(s.x, s.x+s.count(0), s.pen.bg)
		}
	case 'Z': // CBT
		s.backTab(s.count(0))
	case 'b': // REP: the last character again, up to the end of the line
		if rep >= 0 {
			n := min(s.count(0), s.cols-s.x)
			for i := 0; i < n; i++ {
				s.printRune(rep)
			}
			s.lastR = -1
		}
	case 'c': // DA1
		if s.param(0, 0) == 0 {
			s.reply("\x1b[?62;1;6;22c")
		}
	case 'd': // VPA
		s.cursorTo(-1, s.count(0)-1, true)
	case 'g': // TBC
		switch s.param(0, 0) {
		case 0:
			if s.x < s.cols {
				s.tabs.set(s.x, false)
			}
		case 3:
			s.tabs = tabStops{}
		}
	case 'h', 'l':
		for i := 0; i < max(s.nparams, 1); i++ {
			if b := ansiModeBit(s.param(i, 0)); b != 0 {
				s.modes.set(b, final == 'h')
			}
		}
	case 'm':
		s.sgr()
	case 'n':
		s.deviceStatus()
	case 'r': // DECSTBM
		s.setRegion(s.count(0)-1, max(s.param(1, s.rows), 1)-1)
	case 's': // SCOSC (left/right margins are not supported, as in tmux)
		s.saveCursor()
	case 'u': // SCORC
		s.restoreCursor()
	case 't':
		s.windowOp()
	}
}

func (s *Screen) csiPrivate(final byte) {
	switch final {
	case 'h', 'l':
		for i := 0; i < max(s.nparams, 1); i++ {
			if n := s.param(i, -1); n >= 0 {
				s.setDECMode(n, final == 'h')
			}
		}
	case 'p':
		if s.inter == '$' { // DECRQM
			n := s.param(0, 0)
			s.replyf4("\x1b[?", n, ';', s.decModeState(n), "$y")
		}
	}
}

func (s *Screen) csiGreater(final byte) {
	switch final {
	case 'c': // DA2
		if s.param(0, 0) == 0 {
			s.reply("\x1b[>1;10;0c")
		}
	case 'q': // XTVERSION
		if s.param(0, 0) == 0 {
			s.reply("\x1bP>|ptykeeper\x1b\\")
		}
	case 'm': // XTMODKEYS: modifyOtherKeys is resource 4
		if s.param(0, -1) == 4 {
			s.modes.modifyOtherKeys = uint8(min(s.param(1, 0), 2))
		} else if s.nparams == 0 {
			s.modes.modifyOtherKeys = 0
		}
	case 'n': // reset a key modifier resource
		if s.param(0, -1) == 4 {
			s.modes.modifyOtherKeys = 0
		}
	}
}

// setRegion is DECSTBM: rows top..bottom (0-based), cursor to the top
// left corner of the screen, even in origin mode (tmux; xterm goes to the
// region's top then). A region of one row or less is refused.
func (s *Screen) setRegion(top, bottom int) {
	top, bottom = min(top, s.rows-1), min(bottom, s.rows-1)
	if top >= bottom {
		return
	}
	s.top, s.bottom = top, bottom
	s.x, s.y = 0, 0
}

func (s *Screen) insertLines(n int) {
	if s.y < s.top || s.y > s.bottom {
		s.g.scrollDown(s.y, s.rows-1, n, s.pen.bg)
	} else {
		s.g.scrollDown(s.y, s.bottom, n, s.pen.bg)
	}
	s.x = 0
}

func (s *Screen) deleteLines(n int) {
	if s.y < s.top || s.y > s.bottom {
		s.g.scrollUp(s.y, s.rows-1, n, s.pen.bg)
	} else {
		s.g.scrollUp(s.y, s.bottom, n, s.pen.bg)
	}
	s.x = 0
}

// eraseDisplay is ED. Nothing goes to a scrollback (the keeper keeps its
// own history from the output).
func (s *Screen) eraseDisplay(mode int) {
	bg := s.pen.bg
	switch mode {
	case 0:
		if s.x < s.cols {
			s.g.row(s.y).erase(s.x, s.cols, bg)
		}
		for y := s.y + 1; y < s.rows; y++ {
			s.g.row(y).clear(bg)
		}
	case 1:
		for y := 0; y < s.y; y++ {
			s.g.row(y).clear(bg)
		}
		s.g.row(s.y).erase(0, s.x+1, bg)
	case 2:
		s.g.clear(bg)
	}
}

// eraseLine is EL, with tmux's handling of the pending wrap (nothing to
// erase to the right of it).
func (s *Screen) eraseLine(mode int) {
	r := s.g.row(s.y)
	switch mode {
	case 0:
		if s.x == 0 {
			r.clear(s.pen.bg)
		} else {
			r.erase(s.x, s.cols, s.pen.bg)
		}
	case 1:
		r.erase(0, s.x+1, s.pen.bg)
	case 2:
		r.clear(s.pen.bg)
	}
}

func (s *Screen) setCursorStyle(n int) {
	if n > 6 {
		return
	}
	s.cursorStyle = uint8(n)
	if n > 0 {
		s.modes.set(mCursorBlink, n%2 == 1)
	}
}

// softReset is DECSTR, as xterm does it.
func (s *Screen) softReset() {
	s.modes.set(mCursorVisible, true)
	s.modes.set(mInsert, false)
	s.modes.set(mOrigin, false)
	s.modes.set(mAutowrap, true)
	s.modes.set(mKeypad, false)
	s.modes.set(mCursorKeys, false)
	s.top, s.bottom = 0, s.rows-1
	s.cs = defaultCharsets
	s.pen = pen{}
	s.saved = savedCursor{cs: defaultCharsets}
}

// windowOp is XTWINOPS: the title stack (22/23) and the size report (18).
func (s *Screen) windowOp() {
	switch s.param(0, -1) {
	case 18:
		s.replyf4("\x1b[8;", s.rows, ';', s.cols, "t")
	case 22:
		if p := s.param(1, 0); p == 0 || p == 2 {
			s.pushTitle()
		}
	case 23:
		if p := s.param(1, 0); p == 0 || p == 2 {
			s.popTitle()
		}
	}
}
