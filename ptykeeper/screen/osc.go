// osc.go handles operating system commands: the window title (OSC 0 and 2,
// with the XTWINOPS title stack) and hyperlinks (OSC 8). Only those are
// buffered; the payload of any other OSC (clipboard, palette, colour
// queries, which are never answered) is skipped as it arrives. The buffer
// grows on use up to maxOSC and is released after a long payload.

package screen

import "bytes"

const (
	maxOSC      = 64 << 10 // longer payloads are dropped
	maxTitle    = 4 << 10  // a title is cut to this many bytes
	maxLink     = 4 << 10  // a longer hyperlink is dropped
	maxTitles   = 10       // title stack depth, as xterm
	oscKeepCap  = 1 << 10  // buffer capacity kept between sequences
	oscNumLimit = 100000
)

type oscState struct {
	num     int  // the command number so far
	inNum   bool // still reading the number
	keep    bool // the command is one we use: buffer its payload
	dropped bool // the payload passed maxOSC
	buf     []byte
}

func (s *Screen) oscStart() {
	s.osc.num, s.osc.inNum, s.osc.keep, s.osc.dropped = 0, true, false, false
	s.osc.buf = s.osc.buf[:0]
}

func (s *Screen) oscByte(c byte) {
	o := &s.osc
	if o.inNum {
		switch {
		case c >= '0' && c <= '9' && o.num < oscNumLimit:
			o.num = o.num*10 + int(c-'0')
		case c == ';':
			o.inNum = false
			o.keep = o.num == 0 || o.num == 1 || o.num == 2 || o.num == 8
		default:
			o.inNum, o.keep = false, false
		}
		return
	}
	if !o.keep || o.dropped || c < 0x20 {
		return
	}
	if len(o.buf) >= maxOSC {
		o.dropped = true
		return
	}
	if len(o.buf) == cap(o.buf) { // grow by doubling, up to maxOSC exactly
		nb := make([]byte, len(o.buf), min(max(2*cap(o.buf), 64), maxOSC))
		copy(nb, o.buf)
		o.buf = nb
	}
	o.buf = append(o.buf, c)
}

// abortString ends an OSC without acting on it (CAN, SUB).
func (s *Screen) abortString() {
	if s.state == stOSC || s.state == stOSCEsc {
		s.osc.keep = false
		s.oscRelease()
	}
}

func (s *Screen) oscEnd() {
	o := &s.osc
	if o.keep && !o.dropped {
		switch o.num {
		case 0, 2:
			s.setTitle(o.buf)
		case 8:
			s.setLink(o.buf)
		}
	}
	s.oscRelease()
}

func (s *Screen) oscRelease() {
	if cap(s.osc.buf) > oscKeepCap {
		s.osc.buf = nil
	}
	s.osc.buf = s.osc.buf[:0]
}

func (s *Screen) setTitle(t []byte) {
	if len(t) > maxTitle {
		t = t[:maxTitle]
		for len(t) > 0 && t[len(t)-1]&0xc0 == 0x80 { // do not cut a character
			t = t[:len(t)-1]
		}
		if len(t) > 0 && t[len(t)-1] >= 0xc0 {
			t = t[:len(t)-1]
		}
	}
	s.title = append(s.title[:0], t...)
	s.titleSet = true
}

// pushTitle pushes the title (XTWINOPS 22). Entries pushed while no title
// was set hold the terminal's own title; they can only be at the bottom.
func (s *Screen) pushTitle() {
	if len(s.titleStack) >= maxTitles {
		copy(s.titleStack, s.titleStack[1:])
		s.titleStack = s.titleStack[:maxTitles-1]
		s.stackUnset = max(s.stackUnset-1, 0)
	}
	s.titleStack = append(s.titleStack, append([]byte(nil), s.title...))
	if !s.titleSet {
		s.stackUnset = len(s.titleStack)
	}
}

func (s *Screen) popTitle() {
	if n := len(s.titleStack); n > 0 {
		s.title = append(s.title[:0], s.titleStack[n-1]...)
		s.titleSet = n > s.stackUnset
		s.stackUnset = min(s.stackUnset, n-1)
		s.titleStack[n-1] = nil
		s.titleStack = s.titleStack[:n-1]
	}
}

// setLink handles OSC 8 ; params ; uri. An empty uri ends the link.
func (s *Screen) setLink(p []byte) {
	i := bytes.IndexByte(p, ';')
	if i < 0 || i == len(p)-1 || len(p) > maxLink {
		s.link = ""
		return
	}
	s.link = s.links.intern(p)
}

// linkCache interns the last few hyperlinks, so a program that prints the
// same links again and again allocates nothing.
type linkCache struct {
	recent [8]string
	next   int
}

func (c *linkCache) intern(p []byte) string {
	for _, l := range c.recent {
		if l == string(p) {
			return l
		}
	}
	l := string(p)
	c.recent[c.next] = l
	c.next = (c.next + 1) % len(c.recent)
	return l
}
