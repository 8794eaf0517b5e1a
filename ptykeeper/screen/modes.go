// modes.go owns the terminal modes (DEC private and ANSI), the mouse
// tracking and encoding choices, and tab stops: setting them (SM/RM,
// DECSET/DECRST, DECKPAM/DECKPNM) and reporting them (DECRQM).

package screen

// modeBits are the on/off modes a repaint replays.
type modeBits uint32

const (
	mCursorKeys     modeBits = 1 << iota // ?1 DECCKM
	mReverseVideo                        // ?5 DECSCNM
	mOrigin                              // ?6 DECOM
	mAutowrap                            // ?7 DECAWM
	mCursorBlink                         // ?12
	mCursorVisible                       // ?25 DECTCEM
	mReverseWrap                         // ?45
	mKeypad                              // ?66 DECNKM, also ESC = / ESC >
	mFocus                               // ?1004
	mAltScroll                           // ?1007
	mBracketedPaste                      // ?2004
	mInsert                              // 4 IRM
	mNewline                             // 20 LNM
)

// modes is every mode the model keeps.
type modes struct {
	bits modeBits
	// mouse is the tracking mode (0, 9, 1000, 1001, 1002, 1003) and
	// mouseEnc the coordinate encoding (0, 1005, 1006, 1015, 1016): in
	// xterm each is one choice, and setting one replaces the other.
	mouse, mouseEnc uint16
	// modifyOtherKeys is xterm's key modifier mode (CSI > 4 ; n m).
	modifyOtherKeys uint8
}

func defaultModes() modes { return modes{bits: mAutowrap | mCursorVisible} }

func (m *modes) has(b modeBits) bool { return m.bits&b != 0 }

func (m *modes) set(b modeBits, on bool) {
	if on {
		m.bits |= b
	} else {
		m.bits &^= b
	}
}

// decModes maps DEC private mode numbers to bits, in the order a repaint
// replays them.
var decModes = [...]struct {
	n   uint16
	bit modeBits
}{
	{1, mCursorKeys}, {5, mReverseVideo}, {6, mOrigin}, {7, mAutowrap}, {12, mCursorBlink},
	{25, mCursorVisible}, {45, mReverseWrap}, {66, mKeypad}, {1004, mFocus}, {1007, mAltScroll},
	{2004, mBracketedPaste},
}

var ansiModes = [...]struct {
	n   uint16
	bit modeBits
}{{4, mInsert}, {20, mNewline}}

func decModeBit(n int) modeBits {
	for _, d := range decModes {
		if int(d.n) == n {
			return d.bit
		}
	}
	return 0
}

func ansiModeBit(n int) modeBits {
	for _, d := range ansiModes {
		if int(d.n) == n {
			return d.bit
		}
	}
	return 0
}

func isMouseTracking(n int) bool { return n == 9 || (n >= 1000 && n <= 1003) }
func isMouseEncoding(n int) bool { return n == 1005 || n == 1006 || n == 1015 || n == 1016 }

// setDECMode handles CSI ? n h (on) and CSI ? n l.
func (s *Screen) setDECMode(n int, on bool) {
	switch {
	case n == 6:
		s.modes.set(mOrigin, on)
		s.cursorTo(0, 0, true)
	case n == 12:
		s.modes.set(mCursorBlink, on)
	case n == 47 || n == 1047 || n == 1049:
		if on {
			s.enterAlt(n == 1049)
		} else {
			s.leaveAlt(n == 1049)
		}
	case n == 1048:
		if on {
			s.saveCursor()
		} else {
			s.restoreCursor()
		}
	case n == 3: // DECCOLM: the width stays; xterm and tmux clear and home
		s.cursorTo(0, 0, true)
		s.eraseDisplay(2)
	case isMouseTracking(n):
		if on {
			s.modes.mouse = uint16(n)
		} else {
			s.modes.mouse = 0
		}
	case isMouseEncoding(n):
		if on {
			s.modes.mouseEnc = uint16(n)
		} else {
			s.modes.mouseEnc = 0
		}
	default:
		if b := decModeBit(n); b != 0 {
			s.modes.set(b, on)
		}
	}
}

// decModeState answers DECRQM for DEC mode n: 1 set, 2 reset, 0 unknown.
func (s *Screen) decModeState(n int) int {
	switch {
	case n == 47 || n == 1047 || n == 1049:
		return onOff(s.alt != nil)
	case isMouseTracking(n):
		return onOff(int(s.modes.mouse) == n)
	case isMouseEncoding(n):
		return onOff(int(s.modes.mouseEnc) == n)
	}
	if b := decModeBit(n); b != 0 {
		return onOff(s.modes.has(b))
	}
	return 0
}

func (s *Screen) ansiModeState(n int) int {
	if b := ansiModeBit(n); b != 0 {
		return onOff(s.modes.has(b))
	}
	return 0
}

func onOff(on bool) int {
	if on {
		return 1
	}
	return 2
}

// tabStops is a bit per column (MaxCols columns at most).
type tabStops [(MaxCols + 63) / 64]uint64

func (t *tabStops) reset(cols int) {
	*t = tabStops{}
	for x := 8; x < cols; x += 8 {
		t.set(x, true)
	}
}

func (t *tabStops) set(x int, on bool) {
	if x < 0 || x >= MaxCols {
		return
	}
	if on {
		t[x/64] |= 1 << (x % 64)
	} else {
		t[x/64] &^= 1 << (x % 64)
	}
}

func (t *tabStops) has(x int) bool {
	return x >= 0 && x < MaxCols && t[x/64]&(1<<(x%64)) != 0
}

// isDefault reports whether the stops are the default ones for a width.
func (t *tabStops) isDefault(cols int) bool {
	var d tabStops
	d.reset(cols)
	return *t == d
}
