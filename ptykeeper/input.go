// input.go owns the program's keyboard: the writing side of a run's PTY
// master, and its window size.
//
// One goroutine per run owns the master's writing side: it alone waits for
// the program to read, and alone sets the window size. Everybody who types
// (attached clients, send, the screen model's query answers) goes through
// one FIFO, so input reaches the program in the order it arrived; only
// when the FIFO is empty and nothing is being written does a writer try
// its bytes at once itself, without waiting (a keystroke's echo then does
// not wait for the owner to wake up), and what the program does not take
// goes into the FIFO. A program that does not read its input blocks only
// the owner.
// Each writer is an inputSource with its own quota of bytes waiting: a
// source over its quota waits (or is refused), never the other sources, and
// never the daemon. A resize does not wait behind a blocked write: it
// interrupts the write through the master's write deadline, is applied, and
// the write resumes where it stopped.

package ptykeeper

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// inputQuota bounds the bytes one source may have waiting for the program.
// A 1 MiB paste into a program that is not reading is absorbed whole, so
// the detach key typed after it is still seen.
const inputQuota = 1 << 20

// errInputFull is returned when a source that must not wait is over its quota.
var errInputFull = errors.New("the program is not reading its input")

// errInputClosed is returned for input to a run that has ended.
var errInputClosed = errors.New("the program has ended")

// inputSource is one writer's account with a run's input queue: a client,
// one send command, or the query answers. Its fields are guarded by the
// queue's mutex; room is signalled whenever some of its bytes were written.
type inputSource struct {
	queued   int
	room     chan struct{} // one slot
	consumed func(n int)   // optional: called (without locks) as bytes reach the program
}

func newInputSource(consumed func(int)) *inputSource {
	return &inputSource{room: make(chan struct{}, 1), consumed: consumed}
}

type inputChunk struct {
	src *inputSource
	p   []byte
}

// inputQueue is a run's input owner.
type inputQueue struct {
	master *os.File
	onErr  func(error) // resize failures, for the log

	mu      sync.Mutex // guards everything below
	chunks  []inputChunk
	resize  *Size // pending window size
	wiggle  bool  // make the program redraw: a SIGWINCH without a new size
	closed  bool
	keep    bool          // closed for a hand-over: leave the chunks for take
	writing bool          // a write to the master is under way (the owner's, or a fast path's)
	wake    chan struct{} // one slot: chunks, a resize, or close
	stopped chan struct{} // closed when the goroutine has ended
}

func newInputQueue(master *os.File, onErr func(error)) *inputQueue {
	q := &inputQueue{master: master, onErr: onErr, wake: make(chan struct{}, 1), stopped: make(chan struct{})}
	go q.loop()
	return q
}

func (q *inputQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// interrupt makes a write in progress return at once, so that a resize or
// close is handled while the program reads nothing.
func (q *inputQueue) interrupt() { q.master.SetWriteDeadline(time.Unix(1, 0)) }

// write queues p from src. When src is over its quota it waits for room
// until cancel is closed (wait), or returns errInputFull at once (!wait).
func (q *inputQueue) write(src *inputSource, p []byte, wait bool, cancel <-chan struct{}) error {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return errInputClosed
		}
		// Nothing queued, nothing being written: try the write at once,
		// without waiting (a keystroke's echo should not wait for the
		// owner goroutine to wake up). What the program does not take now
		// is queued for the owner, which alone waits for the program.
		if len(q.chunks) == 0 && !q.writing && q.resize == nil {
			q.writing = true
			q.mu.Unlock()
			n := q.tryWrite(p)
			q.mu.Lock()
			q.writing = false
			if len(q.chunks) > 0 || q.resize != nil {
				q.poke() // queued meanwhile: the owner stepped aside for us
			}
			if n == len(p) {
				q.mu.Unlock()
				if src.consumed != nil {
					src.consumed(n)
				}
				return nil
			}
			if src.consumed != nil && n > 0 {
				src.consumed(n)
			}
			p = p[n:]
		}
		// A source with nothing queued may always queue one write, however
		// large: otherwise a write over the quota could never go in.
		if src.queued == 0 || src.queued+len(p) <= inputQuota {
			src.queued += len(p)
			q.chunks = append(q.chunks, inputChunk{src, append([]byte(nil), p...)})
			q.mu.Unlock()
			q.poke()
			return nil
		}
		q.mu.Unlock()
		if !wait {
			return fmt.Errorf("%w (%d bytes waiting)", errInputFull, src.queued)
		}
		select {
		case <-src.room:
		case <-cancel:
			return ErrDetached
		case <-q.stopped:
			return errInputClosed
		}
	}
}

// tryWrite writes what the master takes now, without waiting; it returns
// how much that was.
func (q *inputQueue) tryWrite(p []byte) int {
	rc, err := q.master.SyscallConn()
	if err != nil {
		return 0
	}
	n := 0
	rc.Write(func(fd uintptr) bool {
		for n < len(p) {
			m, err := unix.Write(int(fd), p[n:])
			if err != nil || m <= 0 {
				break
			}
			n += m
		}
		return true // never wait: the owner does that
	})
	return n
}

// setSize asks for the window size to become sz; it never waits for the
// program.
func (q *inputQueue) setSize(sz Size) {
	q.mu.Lock()
	q.resize = &sz
	q.mu.Unlock()
	q.poke()
	q.interrupt()
}

// redraw makes the program repaint its screen, as after a window change:
// the kernel sends SIGWINCH only when the size changes, so the size is set
// one row smaller and back.
func (q *inputQueue) redraw(sz Size) {
	q.mu.Lock()
	q.resize, q.wiggle = &sz, true
	q.mu.Unlock()
	q.poke()
	q.interrupt()
}

// close ends the goroutine and drops what was not written. It returns once
// the master is no longer used, so the caller may close it.
func (q *inputQueue) close() { q.stop(false) }

// take ends the goroutine like close, but returns what was not written
// yet, in order, instead of dropping it: the input a program has not read
// goes with the program to a new owner (an upgrade), or back into a new
// queue (an upgrade abandoned).
func (q *inputQueue) take() []byte { return q.stop(true) }

func (q *inputQueue) stop(keep bool) []byte {
	q.mu.Lock()
	q.closed, q.keep = true, keep
	q.mu.Unlock()
	q.poke()
	q.interrupt()
	<-q.stopped
	q.master.SetWriteDeadline(time.Time{})
	q.mu.Lock()
	defer q.mu.Unlock()
	var rest []byte
	for _, c := range q.chunks {
		rest = append(rest, c.p...)
		c.src.queued -= len(c.p)
	}
	q.chunks = nil
	return rest
}

func (q *inputQueue) loop() {
	defer close(q.stopped)
	for range q.wake {
		for {
			q.mu.Lock()
			if q.closed {
				if !q.keep {
					// Dropped input no longer counts against its source:
					// the next run starts with every quota free.
					for _, c := range q.chunks {
						c.src.queued -= len(c.p)
					}
					q.chunks = nil
				}
				q.mu.Unlock()
				return
			}
			q.applyResizeLocked()
			if len(q.chunks) == 0 {
				q.mu.Unlock()
				break
			}
			if q.writing { // a fast path is writing: it pokes when done
				q.mu.Unlock()
				break
			}
			c := q.chunks[0]
			q.writing = true
			q.mu.Unlock()
			n, err := q.master.Write(c.p)
			q.mu.Lock()
			q.writing = false
			if errors.Is(err, os.ErrDeadlineExceeded) {
				// Interrupted for a resize or close: clear the deadline
				// (under mu, so a newer interrupt is not lost) and go on.
				q.master.SetWriteDeadline(time.Time{})
				q.chunks[0].p = c.p[n:]
			} else {
				// Written, or the master failed (the run is ending): either
				// way these bytes are done.
				n = len(c.p)
				q.chunks[0] = inputChunk{}
				q.chunks = q.chunks[1:]
				if len(q.chunks) == 0 {
					q.chunks = nil // drop a large backing array
				}
			}
			c.src.queued -= n
			q.mu.Unlock()
			if n > 0 {
				select {
				case c.src.room <- struct{}{}:
				default:
				}
				if c.src.consumed != nil {
					c.src.consumed(n)
				}
			}
		}
	}
}

// applyResizeLocked sets a pending window size. q.mu must be held.
func (q *inputQueue) applyResizeLocked() {
	if q.resize == nil {
		return
	}
	sz := *q.resize
	q.resize = nil
	if q.wiggle && sz.Rows > MinRows {
		setWinsize(q.master, Size{sz.Cols, sz.Rows - 1})
	}
	q.wiggle = false
	if err := setWinsize(q.master, sz); err != nil && q.onErr != nil {
		q.onErr(err)
	}
}
