package testprog

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/screen"
)

// Term is the client side of a test: a terminal emulator (ptykeeper's own
// model, conformance-tested against tmux) that is fed what a client
// received, and answers queries the way a real terminal would (to answers,
// if set). It records every byte it got.
type Term struct {
	mu      sync.Mutex // guards scr and raw
	scr     *screen.Screen
	raw     bytes.Buffer
	answers io.Writer
}

// NewTerm returns a cols x rows terminal. Replies to queries go to answers
// (nil: dropped).
func NewTerm(cols, rows int, answers io.Writer) *Term {
	return &Term{scr: screen.New(cols, rows), answers: answers}
}

// Write feeds bytes the client received.
func (t *Term) Write(p []byte) (int, error) {
	t.mu.Lock()
	t.raw.Write(p)
	t.scr.Write(p)
	var replies []byte
	if t.answers != nil {
		replies = t.scr.AppendReplies(nil)
	} else {
		t.scr.AppendReplies(nil)
	}
	t.mu.Unlock()
	if len(replies) > 0 {
		t.answers.Write(replies)
	}
	return len(p), nil
}

// Close releases the terminal (nothing runs in the background).
func (t *Term) Close() {}

// Cursor returns the cursor position.
func (t *Term) Cursor() (x, y int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scr.Cursor()
}

// Raw returns a copy of every byte received.
func (t *Term) Raw() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.raw.Bytes())
}

// Text returns the visible screen as plain text lines, one per row.
func (t *Term) Text() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, rows := t.scr.Size()
	text := string(t.scr.AppendText(nil, false))
	if n := strings.Count(text, "\n"); n < rows {
		text += strings.Repeat("\n", rows-n)
	}
	return text
}

// State returns everything visible about the screen, for comparing two
// terminals: cells with attributes, cursor, which screen.
func (t *Term) State() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	x, y := t.scr.Cursor()
	return fmt.Sprintf("alt=%v cursor=%d,%d\n%s", t.scr.AltScreen(), x, y, t.scr.AppendText(nil, true))
}

// Same reports how t differs from other in everything a terminal shows or
// keeps ("" if nothing).
func (t *Term) Same(other *Term) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	other.mu.Lock()
	defer other.mu.Unlock()
	return screen.Compare(t.scr, other.scr)
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
