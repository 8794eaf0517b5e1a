// esc.go executes C0 controls (BS, HT, LF, CR, SO, SI...) and escape
// sequences (ESC 7/8, D/E/M, H, c, =/>, charset designations, DECALN).

package screen

func (s *Screen) execute(c byte) {
	s.lastR, s.zwj = -1, false
	switch c {
	case '\b':
		s.backspace()
	case '\t':
		s.tab(1)
	case '\n', '\v', '\f':
		s.lineFeed()
		if s.modes.has(mNewline) {
			s.x = 0
		}
	case '\r':
		s.x = 0
	case 0x0e: // SO: invoke G1
		s.cs.gl = 1
	case 0x0f: // SI: invoke G0
		s.cs.gl = 0
	}
}

func (s *Screen) escDispatch(c byte) {
	s.lastR, s.zwj = -1, false
	if s.ninter > 1 {
		return
	}
	switch s.inter {
	case 0:
		s.escPlain(c)
	case '(', ')':
		g := 0
		if s.inter == ')' {
			g = 1
		}
		switch c {
		case '0', 'B': // other sets (UK...) are ignored, as tmux does
			s.cs.g[g] = c
		}
	case '#':
		if c == '8' {
			s.alignmentTest()
		}
	}
}

func (s *Screen) escPlain(c byte) {
	switch c {
	case '7':
		s.saveCursor()
	case '8':
		s.restoreCursor()
	case 'D': // IND
		s.lineFeed()
	case 'E': // NEL
		s.x = 0
		s.lineFeed()
	case 'H': // HTS
		if s.x < s.cols {
			s.tabs.set(s.x, true)
		}
	case 'M': // RI
		s.reverseIndex()
	case 'c': // RIS
		s.Reset()
	case '=': // DECKPAM
		s.modes.set(mKeypad, true)
	case '>': // DECKPNM
		s.modes.set(mKeypad, false)
	}
}

// alignmentTest is DECALN: the screen filled with E in the default pen,
// margins reset, cursor home.
func (s *Screen) alignmentTest() {
	for y := 0; y < s.rows; y++ {
		r := s.g.row(y)
		r.clear(0)
		for x := range r.cells {
			r.cells[x] = Cell{r: 'E'}
		}
		r.wrote(len(r.cells))
	}
	s.top, s.bottom = 0, s.rows-1
	s.x, s.y = 0, 0
}
