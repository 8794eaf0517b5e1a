package testprog

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/x/vt"
)

// Term is the client side of a test: a terminal emulator that is fed what a
// client received, and answers queries the way a real terminal would (to
// Answers, if set). It records every byte it got.
type Term struct {
	mu  sync.Mutex // guards emu and raw
	emu *vt.Emulator
	raw bytes.Buffer
}

// NewTerm returns a cols x rows terminal. Replies to queries go to answers
// (nil: dropped).
func NewTerm(cols, rows int, answers io.Writer) *Term {
	t := &Term{emu: vt.NewEmulator(cols, rows)}
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := t.emu.Read(buf)
			if n > 0 && answers != nil {
				answers.Write(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	return t
}

// Write feeds bytes the client received.
func (t *Term) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.raw.Write(p)
	return t.emu.Write(p)
}

// Close stops the reply goroutine. (It closes the reply pipe itself:
// Emulator.Close races with Read.)
func (t *Term) Close() { t.emu.InputPipe().(*io.PipeWriter).CloseWithError(io.EOF) }

// Cursor returns the cursor position.
func (t *Term) Cursor() (x, y int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.emu.CursorPosition()
	return p.X, p.Y
}

// Raw returns a copy of every byte received.
func (t *Term) Raw() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.raw.Bytes())
}

// Text returns the visible screen as plain text lines.
func (t *Term) Text() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	w, h := t.emu.Width(), t.emu.Height()
	for y := 0; y < h; y++ {
		var line strings.Builder
		for x := 0; x < w; x++ {
			c := t.emu.CellAt(x, y)
			if c == nil || (c.Width == 0 && c.Content == "") {
				continue
			}
			if c.Content == "" {
				line.WriteByte(' ')
			} else {
				line.WriteString(c.Content)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
	return b.String()
}

// State returns everything visible about the screen, for comparing two
// terminals: cells with attributes, cursor, which screen.
func (t *Term) State() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.emu.CursorPosition()
	return fmt.Sprintf("alt=%v cursor=%d,%d\n%s", t.emu.IsAltScreen(), p.X, p.Y, t.emu.Render())
}

// WaitFor polls until cond holds or timeout passes; it returns whether cond
// held.
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}
