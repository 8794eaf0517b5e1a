// xvt_test.go adapts today's screen model to reftest.Model so the harness
// can be proved on it: the x/vt emulator plus the state ptykeeper tracks
// beside it, and the repaint of ptykeeper/screen.go (vtScreen.Repaint),
// copied here minus the memory tuning, which does not change what is shown.

package reftest

import (
	"io"
	"strconv"
	"strings"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/vt"
)

type xvtModel struct {
	emu         *vt.Emulator
	cols, rows  int
	modes       map[ansi.Mode]bool
	top, bottom int // scroll region, 0-based, bottom exclusive; 0,0: whole screen
	pen         uv.Style
	cursorStyle int
	title       string
	titleSet    bool
	drained     chan struct{}
}

func newXVT(cols, rows int) Model {
	s := &xvtModel{emu: vt.NewEmulator(cols, rows), cols: cols, rows: rows,
		modes: map[ansi.Mode]bool{}, drained: make(chan struct{})}
	s.emu.SetScrollbackSize(1)
	// Replies to queries must be read, or Write blocks.
	go func() {
		defer close(s.drained)
		io.Copy(io.Discard, s.emu)
	}()
	s.emu.SetCallbacks(vt.Callbacks{
		EnableMode:  func(m ansi.Mode) { s.modes[m] = true },
		DisableMode: func(m ansi.Mode) { s.modes[m] = false },
		Title:       func(t string) { s.title, s.titleSet = t, true },
		CursorStyle: func(st vt.CursorStyle, steady bool) {
			n := int(st)*2 + 1
			if steady {
				n++
			}
			s.cursorStyle = n
		},
	})
	s.emu.RegisterCsiHandler('r', func(p ansi.Params) bool {
		top, _, _ := p.Param(0, 1)
		bot, _, _ := p.Param(1, s.rows)
		top, bot = max(top, 1), min(max(bot, 1), s.rows)
		if top < bot {
			s.top, s.bottom = top-1, bot
			if s.top == 0 && s.bottom == s.rows {
				s.top, s.bottom = 0, 0
			}
		}
		return false
	})
	s.emu.RegisterCsiHandler('m', func(p ansi.Params) bool {
		uv.ReadStyle(p, &s.pen)
		return false
	})
	s.emu.RegisterEscHandler('c', func() bool {
		s.top, s.bottom, s.pen, s.cursorStyle = 0, 0, uv.Style{}, 0
		return false
	})
	s.emu.Write([]byte("\x1bc"))
	return s
}

func (s *xvtModel) Write(p []byte) { s.emu.Write(p) }

func (s *xvtModel) Close() error {
	if pw, ok := s.emu.InputPipe().(*io.PipeWriter); ok {
		pw.CloseWithError(io.EOF)
	}
	<-s.drained
	return nil
}

var xvtDECModes = []int{1, 5, 7, 9, 12, 45, 69, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1015, 1016, 2004}
var xvtANSIModes = []int{4, 20}

func (s *xvtModel) AppendRepaint(dst []byte) []byte {
	var b strings.Builder
	e := s.emu
	if e.IsAltScreen() {
		b.WriteString("\x1b[?1049h")
	} else {
		b.WriteString("\x1b[?1049l")
	}
	b.WriteString("\x1b[0m\x1b[r\x1b[?6l\x1b[H\x1b[2J")
	for y := 0; y < s.rows; y++ {
		s.paintRow(&b, y)
	}
	b.WriteString("\x1b[0m")
	if s.bottom > 0 {
		b.WriteString("\x1b[" + strconv.Itoa(s.top+1) + ";" + strconv.Itoa(s.bottom) + "r")
	}
	for _, set := range []bool{false, true} {
		for _, m := range xvtANSIModes {
			if s.modes[ansi.ANSIMode(m)] == set {
				writeMode(&b, "", m, set)
			}
		}
		for _, m := range xvtDECModes {
			on, touched := s.modes[ansi.DECMode(m)]
			if !touched {
				on = m == 7
			}
			if on == set {
				writeMode(&b, "?", m, set)
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
	return append(dst, b.String()...)
}

func writeMode(b *strings.Builder, prefix string, m int, set bool) {
	b.WriteString("\x1b[" + prefix + strconv.Itoa(m))
	if set {
		b.WriteByte('h')
	} else {
		b.WriteByte('l')
	}
}

func sgr(st *uv.Style) string {
	if st.IsZero() {
		return "\x1b[0m"
	}
	return "\x1b[0m" + st.String()
}

func (s *xvtModel) lastCell(y int) int {
	for x := s.cols - 1; x >= 0; x-- {
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

func (s *xvtModel) paintRow(b *strings.Builder, y int) {
	last := s.lastCell(y)
	if last < 0 {
		return
	}
	b.WriteString("\x1b[" + strconv.Itoa(y+1) + "H")
	var cur uv.Style
	for x := 0; x <= last; x++ {
		c := s.emu.CellAt(x, y)
		if c == nil {
			b.WriteByte(' ')
			continue
		}
		if c.Width == 0 && c.Content == "" {
			continue
		}
		if !c.Style.Equal(&cur) {
			b.WriteString(sgr(&c.Style))
			cur = c.Style
		}
		if c.Content == "" {
			b.WriteByte(' ')
		} else {
			b.WriteString(c.Content)
		}
	}
	if !cur.IsZero() {
		b.WriteString("\x1b[0m")
	}
}
