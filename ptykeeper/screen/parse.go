// parse.go is the byte parser: Paul Williams' DEC state machine (ground,
// escape, CSI, OSC, DCS, SOS/PM/APC), with a fast path that copies runs of
// printable ASCII straight into the row, and UTF-8 decoding for bytes from
// 0x80 (C1 controls are not recognised: as in xterm's UTF-8 mode, 0x80-0x9f
// are continuation bytes). Parameters live in a fixed array; nothing here
// allocates.

package screen

import "unicode/utf8"

const (
	stGround = iota
	stEscape
	stEscInter
	stCSIEntry
	stCSIParam
	stCSIInter
	stCSIIgnore
	stOSC
	stOSCEsc // ESC seen inside an OSC string: ST if '\' follows
	stDCS    // DCS, SOS, PM, APC: payload ignored up to ST
	stDCSEsc
)

// maxParams bounds the parameters of one sequence; more are ignored.
const maxParams = 32

// maxParam saturates parameter values (tmux refuses values past INT_MAX;
// nothing meaningful needs more than a screen coordinate or a colour).
const maxParam = 65535

type parser struct {
	state   uint8
	priv    byte  // CSI private marker: '?', '>', '<', '=' or 0
	inter   byte  // the first intermediate byte
	ninter  uint8 // intermediates seen (more than one: unknown sequence)
	nparams int
	params  [maxParams]int32 // -1: omitted
	sub     uint64           // bit i: params[i] came after ':' (a sub-parameter)

	// UTF-8 decoding across Write calls.
	u8need int  // continuation bytes still expected
	u8acc  rune // the rune so far
	u8lo   byte // the bounds of the next continuation byte
	u8hi   byte

	osc oscState
}

// MidSequence reports whether the output so far ends inside an escape
// sequence, a string (OSC, DCS...) or a UTF-8 character: a Frame taken now
// holds a terminal that would take the next bytes as the rest of it.
func (s *Screen) MidSequence() bool { return s.state != stGround || s.u8need > 0 }

func (p *parser) reset() {
	*p = parser{osc: oscState{buf: p.osc.buf[:0]}}
}

func (p *parser) clearParams() {
	p.priv, p.inter, p.ninter = 0, 0, 0
	p.nparams, p.sub = 0, 0
}

// param returns parameter i, or def when it is omitted.
func (p *parser) param(i int, def int) int {
	if i >= p.nparams || p.params[i] < 0 {
		return def
	}
	return int(p.params[i])
}

// count returns parameter i as a count: omitted or 0 mean 1.
func (p *parser) count(i int) int {
	n := p.param(i, 1)
	if n == 0 {
		return 1
	}
	return n
}

// Write parses program output and applies it. It never fails and never
// panics; sequences it does not know are consumed and ignored.
func (s *Screen) Write(b []byte) {
	t := &s.track
	base := t.total
	t.total += uint64(len(b))
	for i := 0; i < len(b); {
		if s.state == stGround && s.u8need == 0 {
			c := b[i]
			if c >= 0x20 && c < 0x7f { // the fast path: a run of printable ASCII
				i += s.printText(b[i:])
				continue
			}
			t.cur = base + uint64(i)
			i++
			switch {
			case c == 0x1b:
				t.start = t.cur
				if n := s.fastCSI(b[i:]); n > 0 {
					i += n
					t.sequenceEnded(base + uint64(i))
					continue
				}
				s.step(c)
			case c == 0x18 || c == 0x1a:
				s.step(c)
			case c < 0x20:
				s.execute(c)
			case c >= 0x80:
				// A whole, valid sequence decodes here; anything else
				// goes through the incremental decoder.
				if r, n := utf8.DecodeRune(b[i-1:]); n > 1 {
					s.printRune(r)
					i += n - 1
				} else {
					t.start = t.cur
					s.utf8Start(c)
				}
			}
			continue
		}
		t.cur = base + uint64(i)
		s.step(b[i])
		i++
		if t.answered {
			t.sequenceEnded(base + uint64(i))
		}
	}
}

// step feeds one byte to the state machine (outside the ASCII fast path).
func (s *Screen) step(c byte) {
	if s.u8need > 0 {
		if c >= s.u8lo && c <= s.u8hi {
			s.u8acc = s.u8acc<<6 | rune(c&0x3f)
			s.u8lo, s.u8hi = 0x80, 0xbf
			if s.u8need--; s.u8need == 0 {
				s.printRune(s.u8acc)
			}
			return
		}
		// A broken sequence. Interrupted by a control or an escape, it
		// vanishes (tmux); otherwise it shows as one replacement
		// character, then the byte is taken on its own.
		s.u8need = 0
		if c >= 0x20 {
			s.printRune(utf8.RuneError)
		}
	}
	// "Anywhere" transitions.
	switch c {
	case 0x18, 0x1a: // CAN, SUB: abort the sequence
		s.abortString()
		s.state = stGround
		s.lastR, s.zwj = -1, false
		return
	case 0x1b:
		switch s.state {
		case stOSC:
			s.state = stOSCEsc
		case stDCS:
			s.state = stDCSEsc
		default:
			s.clearParams()
			s.state = stEscape
			s.track.start = s.track.cur
		}
		return
	}
	switch s.state {
	case stGround:
		switch {
		case c < 0x20:
			s.execute(c)
		case c < 0x7f:
			s.printRune(rune(c))
		case c >= 0x80:
			s.track.start = s.track.cur
			s.utf8Start(c)
		}
	case stEscape:
		s.escapeByte(c)
	case stEscInter:
		switch {
		case c < 0x20:
			s.execute(c)
		case c < 0x30:
			s.addInter(c)
		case c < 0x7f:
			s.state = stGround
			s.escDispatch(c)
		}
	case stCSIEntry, stCSIParam:
		s.csiParamByte(c)
	case stCSIInter:
		switch {
		case c < 0x20:
			s.execute(c)
		case c < 0x30:
			s.addInter(c)
		case c < 0x40:
			s.state = stCSIIgnore
		case c < 0x7f:
			s.state = stGround
			s.csiDispatch(c)
		}
	case stCSIIgnore:
		switch {
		case c < 0x20:
			s.execute(c)
		case c >= 0x40 && c < 0x7f:
			s.state = stGround
		}
	case stOSC:
		if c == 0x07 {
			s.state = stGround
			s.oscEnd()
			return
		}
		s.oscByte(c)
	case stOSCEsc:
		s.state = stGround
		s.oscEnd()
		if c != '\\' { // not ST: the ESC starts a new sequence
			s.clearParams()
			s.state = stEscape
			s.track.start = s.track.cur - 1
			s.escapeByte(c)
		}
	case stDCS:
		// ignored payload
	case stDCSEsc:
		s.state = stGround
		if c != '\\' {
			s.clearParams()
			s.state = stEscape
			s.track.start = s.track.cur - 1
			s.escapeByte(c)
		}
	}
}

func (s *Screen) escapeByte(c byte) {
	switch {
	case c < 0x20:
		s.execute(c)
	case c < 0x30:
		s.addInter(c)
		s.state = stEscInter
	case c == '[':
		s.state = stCSIEntry
	case c == ']':
		s.state = stOSC
		s.oscStart()
	case c == 'P' || c == 'X' || c == '^' || c == '_':
		s.state = stDCS
	case c < 0x7f:
		s.state = stGround
		s.escDispatch(c)
	}
}

func (s *Screen) addInter(c byte) {
	if s.ninter == 0 {
		s.inter = c
	}
	if s.ninter < 255 {
		s.ninter++
	}
}

func (s *Screen) csiParamByte(c byte) {
	switch {
	case c < 0x20:
		s.execute(c)
	case c < 0x30: // intermediate
		s.addInter(c)
		s.state = stCSIInter
	case c <= '9':
		if s.nparams == 0 {
			s.nparams = 1
			s.params[0] = -1
		}
		if i := s.nparams - 1; i < maxParams {
			v := max(s.params[i], 0)
			s.params[i] = min(v*10+int32(c-'0'), maxParam)
		}
		s.state = stCSIParam
	case c == ';' || c == ':':
		if s.nparams == 0 {
			s.nparams = 1
			s.params[0] = -1
		}
		if s.nparams <= maxParams {
			s.nparams++
		}
		if i := s.nparams - 1; i < maxParams {
			s.params[i] = -1
			if c == ':' {
				s.sub |= 1 << i
			}
		}
		s.state = stCSIParam
	case c < 0x40: // private marker '<' '=' '>' '?': only first
		if s.state == stCSIEntry {
			s.priv = c
			s.state = stCSIParam
		} else {
			s.state = stCSIIgnore
		}
	case c < 0x7f:
		s.state = stGround
		s.nparams = min(s.nparams, maxParams)
		s.csiDispatch(c)
	}
}

// fastCSI parses a whole control sequence that follows an ESC in p
// ("[", parameters, at most one intermediate, final byte) in one loop and
// dispatches it, returning the bytes used. It returns 0, having changed
// nothing that matters, for anything else (another escape, a control
// character inside, a sequence cut by the end of p): the state machine
// takes those byte by byte.
func (s *Screen) fastCSI(p []byte) int {
	if len(p) < 2 || p[0] != '[' {
		return 0
	}
	s.clearParams()
	i := 1
	if c := p[i]; c >= '<' && c <= '?' {
		s.priv = c
		i++
	}
	n, v, sub := 0, int32(-1), uint64(0)
	for ; i < len(p); i++ {
		c := p[i]
		switch {
		case c >= '0' && c <= '9':
			v = min(max(v, 0)*10+int32(c-'0'), maxParam)
			continue
		case c == ';' || c == ':':
			if n >= maxParams-1 {
				return 0
			}
			s.params[n] = v
			n++
			v = -1
			if c == ':' {
				sub |= 1 << n
			}
			continue
		case c >= 0x20 && c < 0x30: // one intermediate, then the final byte
			if i+1 >= len(p) || p[i+1] < 0x40 || p[i+1] > 0x7e {
				return 0
			}
			s.inter, s.ninter = c, 1
			i++
			c = p[i]
		case c < 0x40 || c > 0x7e:
			return 0
		}
		if n > 0 || v >= 0 {
			s.params[n] = v
			n++
		}
		s.nparams, s.sub = n, sub
		s.state = stGround
		s.csiDispatch(c)
		return i + 1
	}
	return 0
}

// utf8Start begins a multi-byte UTF-8 sequence with lead byte c.
func (s *Screen) utf8Start(c byte) {
	s.u8lo, s.u8hi = 0x80, 0xbf
	switch {
	case c >= 0xc2 && c <= 0xdf:
		s.u8need, s.u8acc = 1, rune(c&0x1f)
	case c >= 0xe0 && c <= 0xef:
		s.u8need, s.u8acc = 2, rune(c&0x0f)
		if c == 0xe0 {
			s.u8lo = 0xa0 // no overlong forms
		} else if c == 0xed {
			s.u8hi = 0x9f // no surrogates
		}
	case c >= 0xf0 && c <= 0xf4:
		s.u8need, s.u8acc = 3, rune(c&0x07)
		if c == 0xf0 {
			s.u8lo = 0x90
		} else if c == 0xf4 {
			s.u8hi = 0x8f
		}
	default: // a stray continuation byte or an impossible lead
		s.printRune(utf8.RuneError)
	}
}
