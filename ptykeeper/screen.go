// screen.go defines the terminal screen model the keeper keeps for every
// session, behind a small interface so the emulator can be replaced, and the
// vt-backed implementation of it.
//
// A model is not goroutine-safe: exactly one goroutine (the screen feeder in
// feeder.go) owns it.

package ptykeeper

import (
	"bytes"
	"io"
	"reflect"
	"strconv"
	"unsafe"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

// ScreenModel is what the keeper needs from a terminal emulator.
type ScreenModel interface {
	// Write feeds program output.
	Write(p []byte)
	// Resize changes the screen size (the PTY is resized separately).
	Resize(sz Size)
	// Repaint appends bytes that make a fresh xterm-compatible terminal show
	// exactly this screen: contents, attributes, cursor, modes.
	Repaint(b *bytes.Buffer)
	// Text appends the screen as plain text lines; with ansi, with SGR
	// attributes.
	Text(b *bytes.Buffer, ansi bool)
	// Replies returns the stream of answers to terminal queries (DA, DSR,
	// CPR...). It must be drained; Write blocks until a reply is read.
	Replies() io.Reader
	// Close ends Replies with io.EOF.
	Close()
}

// vtScreen implements ScreenModel on github.com/charmbracelet/x/vt, adding
// the state x/vt has no getters for: modes, scroll region, pen, cursor style,
// window title.
type vtScreen struct {
	emu *vt.Emulator
	sz  Size
	alt *vt.Screen // the alternate screen, kept 1x1 while not in use; nil if unreachable
	cbs vt.Callbacks

	modes       map[ansi.Mode]bool // every mode the program touched
	top, bottom int                // scroll region, 0-based, bottom exclusive; 0,0: whole screen
	pen         uv.Style
	cursorStyle int // DECSCUSR parameter; 0: terminal default
	title       string
	titleSet    bool
}

func newVTScreen(sz Size) *vtScreen {
	s := &vtScreen{emu: vt.NewEmulator(sz.Cols, sz.Rows), sz: sz, modes: map[ansi.Mode]bool{}}
	s.alt = tuneEmulator(s.emu)
	s.cbs = vt.Callbacks{
		// Half of the model's memory is the alternate screen, which most
		// programs never use: it is allocated only while active.
		AltScreen: func(on bool) {
			if on && s.alt != nil {
				s.alt.Resize(s.sz.Cols, s.sz.Rows)
			} else {
				s.freeAlt()
			}
		},
		EnableMode:  func(m ansi.Mode) { s.modes[m] = true },
		DisableMode: func(m ansi.Mode) { s.modes[m] = false },
		Title:       func(t string) { s.title, s.titleSet = t, true },
		// x/vt passes "steady" in the parameter it names blink.
		CursorStyle: func(st vt.CursorStyle, steady bool) {
			n := int(st)*2 + 1 // DECSCUSR: 1 blinking block, 2 steady block, ...
			if steady {
				n++
			}
			s.cursorStyle = n
		},
	}
	s.emu.SetCallbacks(s.cbs)
	s.freeAlt()
	// Our handlers run before the built-in ones and return false so those
	// still run: we only observe.
	s.emu.RegisterCsiHandler('r', func(p ansi.Params) bool {
		top, _, _ := p.Param(0, 1)
		bot, _, _ := p.Param(1, s.sz.Rows)
		top, bot = max(top, 1), min(max(bot, 1), s.sz.Rows)
		if top < bot {
			s.top, s.bottom = top-1, bot
			if s.top == 0 && s.bottom == s.sz.Rows {
				s.top, s.bottom = 0, 0
			}
		}
		return false
	})
	s.emu.RegisterCsiHandler('m', func(p ansi.Params) bool {
		uv.ReadStyle(p, &s.pen)
		return false
	})
	s.emu.RegisterEscHandler('c', func() bool { s.resetTracked(); return false })
	// The constructor set the default modes without callbacks; a reset
	// replays them through ours.
	s.emu.Write([]byte("\x1bc"))
	return s
}

// freeAlt replaces the (inactive) alternate screen with a 1x1 one, so its
// cells can be collected; shrinking it would keep them reachable.
func (s *vtScreen) freeAlt() {
	if s.alt == nil || s.emu.IsAltScreen() {
		return
	}
	*s.alt = *vt.NewScreen(1, 1)
	s.alt.SetScrollback(nil)
	s.emu.SetCallbacks(s.cbs) // the new screen needs the emulator's callbacks
}

func (s *vtScreen) resetTracked() {
	s.top, s.bottom = 0, 0
	s.pen = uv.Style{}
	s.cursorStyle = 0
}

// oscDataSize bounds the OSC/DCS payloads the model keeps (titles,
// hyperlinks); x/vt allocates 4 MiB per emulator for them.
const oscDataSize = 64 << 10

// tuneEmulator fixes two memory costs x/vt has no public switch for:
//   - its own scrollback on both screens: ~10 KiB per line, and the
//     alternate screen's cannot be bounded at all (x/vt#947). We keep history
//     ourselves (history.go);
//   - the parser's 4 MiB string buffer, allocated per emulator.
//
// Both are reachable only through unexported fields. If x/vt renames them,
// this degrades to a bounded main-screen scrollback and the big buffer, and
// TestScreenModelMemory fails.
// It returns the alternate screen (nil if unreachable), which the caller
// keeps small while unused.
func tuneEmulator(e *vt.Emulator) (alt *vt.Screen) {
	t := reflect.TypeOf(*e)
	if f, ok := t.FieldByName("scrs"); ok && f.Type == reflect.TypeOf([2]vt.Screen{}) {
		scrs := (*[2]vt.Screen)(unsafe.Add(unsafe.Pointer(e), f.Offset))
		scrs[0].SetScrollback(nil)
		scrs[1].SetScrollback(nil)
		alt = &scrs[1]
	} else {
		e.SetScrollbackSize(1)
	}
	if f, ok := t.FieldByName("parser"); ok && f.Type == reflect.TypeOf((*ansi.Parser)(nil)) {
		p := *(**ansi.Parser)(unsafe.Add(unsafe.Pointer(e), f.Offset))
		p.SetDataSize(oscDataSize)
	}
	return alt
}

func (s *vtScreen) Write(p []byte) { s.emu.Write(p) }

func (s *vtScreen) Resize(sz Size) {
	if sz == s.sz {
		return
	}
	s.sz = sz
	s.emu.Resize(sz.Cols, sz.Rows)
	s.freeAlt()            // Resize grew both screens
	s.top, s.bottom = 0, 0 // x/vt resets the region on resize
}

func (s *vtScreen) Replies() io.Reader { return s.emu }

// Close ends the reply stream. It closes the pipe directly: Emulator.Close
// races with a Read in progress (x/vt#850).
func (s *vtScreen) Close() {
	if pw, ok := s.emu.InputPipe().(*io.PipeWriter); ok {
		pw.CloseWithError(io.EOF)
	}
}

// modes replayed on repaint, in this order, resets before sets so that of the
// mouse modes the last set wins. Alternate screen, cursor visibility and
// keypad are handled separately; synchronized output (2026) and in-band
// resize (2048) are never replayed.
var repaintDECModes = []int{1, 5, 7, 9, 12, 45, 69, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1015, 1016, 2004}
var repaintANSIModes = []int{4, 20}

func (s *vtScreen) Repaint(b *bytes.Buffer) {
	e := s.emu
	// Pick the screen first: entering the alternate screen saves the cursor,
	// and the terminal must get back to where the user's shell left it,
	// not to where our reset below moves it. Then leave any scroll region
	// and origin mode, and clear.
	if e.IsAltScreen() {
		b.WriteString("\x1b[?1049h")
	} else {
		b.WriteString("\x1b[?1049l")
	}
	b.WriteString("\x1b[0m\x1b[r\x1b[?6l\x1b[H\x1b[2J")
	for y := 0; y < s.sz.Rows; y++ {
		s.paintRow(b, y)
	}
	b.WriteString("\x1b[0m")
	if s.bottom > 0 {
		b.WriteString("\x1b[" + strconv.Itoa(s.top+1) + ";" + strconv.Itoa(s.bottom) + "r")
	}
	for _, set := range []bool{false, true} {
		for _, m := range repaintANSIModes {
			if s.modes[ansi.ANSIMode(m)] == set {
				writeMode(b, "", m, set)
			}
		}
		for _, m := range repaintDECModes {
			on, touched := s.modes[ansi.DECMode(m)]
			if !touched {
				on = m == 7 // autowrap is on by default
			}
			if on == set {
				writeMode(b, "?", m, set)
			}
		}
	}
	cur := e.CursorPosition()
	row := cur.Y + 1
	if s.modes[ansi.ModeOrigin] {
		b.WriteString("\x1b[?6h")
		row -= s.top
	}
	b.WriteString("\x1b[" + strconv.Itoa(row) + ";" + strconv.Itoa(cur.X+1) + "H")
	b.WriteString(sgr(&s.pen))
	if s.modes[ansi.ModeNumericKeypad] {
		b.WriteString("\x1b=")
	} else {
		b.WriteString("\x1b>")
	}
	b.WriteString("\x1b[" + strconv.Itoa(s.cursorStyle) + " q")
	if s.titleSet {
		b.WriteString("\x1b]2;" + s.title + "\x07")
	}
	if visible, touched := s.modes[ansi.ModeTextCursorEnable]; visible || !touched {
		b.WriteString("\x1b[?25h")
	} else {
		b.WriteString("\x1b[?25l")
	}
}

func writeMode(b *bytes.Buffer, prefix string, m int, set bool) {
	b.WriteString("\x1b[" + prefix + strconv.Itoa(m))
	if set {
		b.WriteByte('h')
	} else {
		b.WriteByte('l')
	}
}

// sgr returns the sequence that sets exactly st, from any previous style.
func sgr(st *uv.Style) string {
	if st.IsZero() {
		return "\x1b[0m"
	}
	return "\x1b[0m" + st.String()
}

// lastCell returns the index of the last cell in row y that differs from a
// default blank, or -1.
func (s *vtScreen) lastCell(y int) int {
	for x := s.sz.Cols - 1; x >= 0; x-- {
		c := s.emu.CellAt(x, y)
		if c == nil {
			continue
		}
		if (c.Content != "" && c.Content != " ") || !c.Style.IsZero() {
			return x
		}
	}
	return -1
}

func (s *vtScreen) paintRow(b *bytes.Buffer, y int) {
	last := s.lastCell(y)
	if last < 0 {
		return
	}
	b.WriteString("\x1b[" + strconv.Itoa(y+1) + "H")
	s.writeCells(b, y, last, true)
}

// writeCells writes cells 0..last of row y, with attributes if styled.
func (s *vtScreen) writeCells(b *bytes.Buffer, y, last int, styled bool) {
	var cur uv.Style
	for x := 0; x <= last; x++ {
		c := s.emu.CellAt(x, y)
		if c == nil {
			b.WriteByte(' ')
			continue
		}
		if c.Width == 0 && c.Content == "" {
			continue // the second half of a wide character
		}
		if styled && !c.Style.Equal(&cur) {
			b.WriteString(sgr(&c.Style))
			cur = c.Style
		}
		if c.Content == "" {
			b.WriteByte(' ')
		} else {
			b.WriteString(c.Content)
		}
	}
	if styled && !cur.IsZero() {
		b.WriteString("\x1b[0m")
	}
}

func (s *vtScreen) Text(b *bytes.Buffer, styled bool) {
	rows := s.sz.Rows
	for rows > 0 && s.lastCell(rows-1) < 0 {
		rows-- // like tmux capture-pane: no trailing empty lines
	}
	for y := 0; y < rows; y++ {
		s.writeCells(b, y, s.lastCell(y), styled)
		if !styled { // blanks that only had a background colour
			trimmed := bytes.TrimRight(b.Bytes(), " ")
			b.Truncate(len(trimmed))
		}
		b.WriteByte('\n')
	}
}
