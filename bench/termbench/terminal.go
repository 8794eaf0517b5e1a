// The client's terminal, as a user has one: a PTY whose master side termbench
// reads, at full speed or at a set rate (a slow link, a slow emulator),
// answering status queries as it reads them, and reporting when a marker
// becomes visible and how many bytes came before it.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
)

// terminal is a client command running in a PTY of its own, 80x24. One
// goroutine reads the master (creack/pty's master ignores deadlines, so
// reads block); another writes query answers, so that a client not reading
// its input can stall answers but never the reading.
type terminal struct {
	cmd  *exec.Cmd
	pty  *os.File
	rate float64 // bytes per second read from the master; 0: as fast as possible

	wmu     sync.Mutex    // serialises writes to the master: keys and answers
	answers chan []byte   // to the answer writer; never closed (the reader may still send)
	quit    chan struct{} // closed by close: the answer writer ends

	mu      sync.Mutex
	total   int64    // bytes read so far
	lastAt  int64    // monoNow() of the last read
	recent  []byte   // the last recentMax bytes read, for markers watched late
	watches []*watch // markers being looked for
	frozen  bool     // the reader stops after its current read
	thaw    *sync.Cond
	queries int // answers given
	dropped int // answers dropped because the client did not read its input
}

const recentMax = 4096

// watch is one marker being looked for.
type watch struct {
	marker []byte
	found  chan struct{} // closed when seen
	at     int64         // monoNow() when read
	off    int64         // offset of its first byte in the stream
}

// startTerminal runs c in a new 80x24 PTY with TERM=xterm-256color and
// starts reading it at rate bytes/s (0: unlimited).
func startTerminal(c *exec.Cmd, rate float64) *terminal {
	if c.Env == nil {
		c.Env = os.Environ()
	}
	c.Env = append(c.Env, "TERM=xterm-256color")
	p, err := pty.StartWithSize(c, &pty.Winsize{Cols: 80, Rows: 24})
	check(err)
	t := &terminal{cmd: c, pty: p, rate: rate, answers: make(chan []byte, 256), quit: make(chan struct{})}
	t.thaw = sync.NewCond(&t.mu)
	go t.read()
	go t.writeAnswers()
	return t
}

// read reads the master in chunks of at most 10 ms worth at the set rate,
// sleeping between reads so that the average never exceeds it. Time spent
// waiting for output earns no credit: a burst is at most one chunk.
func (t *terminal) read() {
	chunk := 64 << 10
	if t.rate > 0 {
		chunk = max(1, min(chunk, int(t.rate/100)))
	}
	buf := make([]byte, chunk)
	var scan queryScanner
	next := time.Now()
	for {
		n, err := t.pty.Read(buf)
		if n > 0 {
			t.got(buf[:n], &scan)
		}
		if err != nil {
			return
		}
		if t.rate > 0 {
			now := time.Now()
			next = later(next, now).Add(time.Duration(float64(n) / t.rate * 1e9))
			time.Sleep(next.Sub(now))
		}
		t.mu.Lock()
		for t.frozen {
			t.thaw.Wait()
		}
		t.mu.Unlock()
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// got takes in what one read returned: queries answered, markers matched.
func (t *terminal) got(p []byte, scan *queryScanner) {
	at := monoNow()
	if *answer {
		scan.scan(p, t.reply)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	base := t.total - int64(len(t.recent)) // stream offset of recent[0]
	t.recent = append(t.recent, p...)
	t.total += int64(len(p))
	t.lastAt = at
	kept := t.watches[:0]
	for _, w := range t.watches {
		if i := bytes.Index(t.recent, w.marker); i >= 0 {
			w.at, w.off = at, base+int64(i)
			close(w.found)
			continue
		}
		kept = append(kept, w)
	}
	t.watches = kept
	if len(t.recent) > recentMax {
		t.recent = append(t.recent[:0], t.recent[len(t.recent)-recentMax:]...)
	}
}

// reply queues an answer for the writer; the reader never blocks on it.
func (t *terminal) reply(a []byte) {
	select {
	case t.answers <- a:
		t.mu.Lock()
		t.queries++
		t.mu.Unlock()
	default:
		t.mu.Lock()
		t.dropped++
		t.mu.Unlock()
	}
}

func (t *terminal) writeAnswers() {
	for {
		select {
		case a := <-t.answers:
			t.wmu.Lock()
			t.pty.Write(a)
			t.wmu.Unlock()
		case <-t.quit:
			return
		}
	}
}

// watch starts looking for marker, in the last recentMax bytes already read
// too (a prompt that went by before the test got to it).
func (t *terminal) watch(marker string) *watch {
	w := &watch{marker: []byte(marker), found: make(chan struct{})}
	t.mu.Lock()
	defer t.mu.Unlock()
	if i := bytes.Index(t.recent, w.marker); i >= 0 {
		w.at, w.off = monoNow(), t.total-int64(len(t.recent))+int64(i)
		close(w.found)
		return w
	}
	t.watches = append(t.watches, w)
	return w
}

// wait returns nil once the marker was seen, an error after timeout.
func (w *watch) wait(timeout time.Duration) error {
	select {
	case <-w.found:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("%q not seen within %v", w.marker, timeout)
	}
}

// waitFor watches for marker and waits for it.
func (t *terminal) waitFor(marker string, timeout time.Duration) error {
	return t.watch(marker).wait(timeout)
}

// press writes keys as the user types them and returns when (monoNow) and
// at which stream offset (bytes read so far) they were sent.
func (t *terminal) press(keys string) (at, off int64) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	t.mu.Lock()
	at, off = monoNow(), t.total
	t.mu.Unlock()
	_, err := t.pty.WriteString(keys)
	check(err)
	return at, off
}

// bytesRead returns the bytes read so far.
func (t *terminal) bytesRead() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// freeze makes the terminal stop reading, as a suspended laptop or a stuck
// emulator does, and stops the client process (SIGSTOP). tmux's server
// writes to its clients' terminals itself, so stopping the client process
// alone would not stop tmux's output: both are needed to freeze a client of
// any tool.
func (t *terminal) freeze() {
	t.mu.Lock()
	t.frozen = true
	t.mu.Unlock()
	t.cmd.Process.Signal(syscall.SIGSTOP)
}

// unfreeze undoes freeze.
func (t *terminal) unfreeze() {
	t.cmd.Process.Signal(syscall.SIGCONT)
	t.mu.Lock()
	t.frozen = false
	t.thaw.Broadcast()
	t.mu.Unlock()
}

// close kills the client and closes the terminal. The reader ends when the
// last holder of the PTY's other side has gone (for tmux: its server).
func (t *terminal) close() {
	t.unfreeze()
	t.cmd.Process.Kill()
	t.cmd.Wait()
	close(t.quit)
	t.pty.Close()
}

// answered is the number of queries answered so far.
func (t *terminal) answered() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.queries
}

// waitBytes polls until n bytes have been read in all.
func (t *terminal) waitBytes(n int64, timeout time.Duration) error {
	for deadline := time.Now().Add(timeout); t.bytesRead() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d bytes not read within %v (%d read)", n, timeout, t.bytesRead())
		}
	}
	return nil
}

// state describes the terminal for a failure message: whether the client
// is still running and the last bytes it showed.
func (t *terminal) state() string {
	t.mu.Lock()
	tail := string(t.recent[max(0, len(t.recent)-300):])
	total, idle := t.total, time.Duration(monoNow()-t.lastAt)
	t.mu.Unlock()
	running := "running"
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", t.cmd.Process.Pid)); err != nil || bytes.Contains(b, []byte(") Z ")) {
		running = "exited"
	}
	return fmt.Sprintf("client %s, %d bytes read, the last read %v ago: %q", running, total, idle.Round(time.Millisecond), tail)
}
