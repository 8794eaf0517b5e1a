// textfilter.go turns a terminal output stream into the text lines a person
// saw: escape sequences removed, carriage-return overwrites and backspaces
// applied, output on the alternate screen (full-screen programs) left out.
// History and the log file are built from its lines.

package ptykeeper

import "unicode/utf8"

// maxLineLen splits lines longer than this, so a program that never prints
// a newline cannot grow a line without bound.
const maxLineLen = 4096

type filterState uint8

const (
	stGround   filterState = iota
	stEsc                  // after ESC
	stEscInter             // ESC followed by intermediates (charset designations)
	stCSI
	stString    // OSC, DCS, SOS, PM, APC: until BEL or ST
	stStringEsc // ESC inside a string: maybe ST
)

// TextFilter is a streaming escape-sequence stripper. The zero value is
// ready; Line is called with each completed line (without the newline) and
// must not keep the slice.
type TextFilter struct {
	Line func(line []byte)

	st      filterState
	line    []byte
	cr      bool // a bare CR was seen: the next text overwrites the line
	alt     bool // alternate screen active: its text is not history
	private bool // CSI had a '?' prefix
	param   int  // current numeric CSI parameter
	params  [4]int
	nparams int
}

// Write feeds output. It never fails.
func (f *TextFilter) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch f.st {
		case stGround:
			if c >= 0x20 && c != 0x7f {
				// Fast path: copy the run of printable bytes at once.
				j := i + 1
				for j < len(p) && p[j] >= 0x20 && p[j] != 0x7f {
					j++
				}
				f.text(p[i:j])
				i = j - 1
				continue
			}
			f.control(c)
		case stEsc:
			f.esc(c)
		case stEscInter:
			if c >= 0x30 {
				f.st = stGround
			}
		case stCSI:
			f.csi(c)
		case stString:
			if c == 0x07 {
				f.st = stGround
			} else if c == 0x1b {
				f.st = stStringEsc
			}
		case stStringEsc:
			if c == '\\' {
				f.st = stGround
			} else if c != 0x1b {
				f.st = stString
			}
		}
	}
	return len(p), nil
}

func (f *TextFilter) text(b []byte) {
	if f.alt {
		return
	}
	if f.cr {
		f.line = f.line[:0]
		f.cr = false
	}
	for len(b) > 0 {
		room := maxLineLen - len(f.line)
		if room <= 0 {
			f.flush()
			continue
		}
		n := min(room, len(b))
		f.line = append(f.line, b[:n]...)
		b = b[n:]
	}
}

func (f *TextFilter) control(c byte) {
	switch c {
	case '\n', 0x0b, 0x0c:
		if !f.alt {
			f.flush()
		}
	case '\r':
		f.cr = true
	case '\b':
		if !f.alt && len(f.line) > 0 {
			_, n := utf8.DecodeLastRune(f.line)
			f.line = f.line[:len(f.line)-n]
		}
	case '\t':
		f.text([]byte{'\t'})
	case 0x1b:
		f.st = stEsc
	}
}

// Unfinished returns the line not yet emitted and whether the alternate
// screen is on: what an upgraded daemon's filter goes on from (Resume).
func (f *TextFilter) Unfinished() (line []byte, alt bool) {
	return append([]byte(nil), f.line...), f.alt
}

// Resume starts a fresh filter where Unfinished left another.
func (f *TextFilter) Resume(line []byte, alt bool) {
	f.line, f.alt = append(f.line[:0], line...), alt
}

// Flush emits the unfinished last line, if any: the end of a program's
// output need not end in a newline.
func (f *TextFilter) Flush() {
	if len(f.line) > 0 && !f.alt {
		f.flush()
	}
}

func (f *TextFilter) flush() {
	f.cr = false
	if f.Line != nil {
		f.Line(f.line)
	}
	f.line = f.line[:0]
}

func (f *TextFilter) esc(c byte) {
	switch {
	case c == '[':
		f.st, f.private, f.param, f.nparams = stCSI, false, 0, 0
	case c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_':
		f.st = stString
	case c >= 0x20 && c <= 0x2f:
		f.st = stEscInter
	case c == 'c': // full reset
		f.alt = false
		f.st = stGround
	default:
		f.st = stGround
	}
}

func (f *TextFilter) csi(c byte) {
	switch {
	case c >= '0' && c <= '9':
		if f.param < 100000 {
			f.param = f.param*10 + int(c-'0')
		}
	case c == ';' || c == ':':
		f.pushParam()
	case c == '?':
		f.private = true
	case c >= 0x40 && c <= 0x7e:
		f.pushParam()
		if f.private && (c == 'h' || c == 'l') {
			for _, p := range f.params[:min(f.nparams, len(f.params))] {
				if p == 1049 || p == 1047 || p == 47 {
					f.alt = c == 'h'
				}
			}
		}
		f.st = stGround
	case c < 0x20:
		f.control(c) // C0 controls act inside CSI too
		if c == 0x1b {
			f.st = stEsc
		}
	}
}

func (f *TextFilter) pushParam() {
	if f.nparams < len(f.params) {
		f.params[f.nparams] = f.param
	}
	f.nparams++
	f.param = 0
}
