// client.go is one attached viewer of a session, independent of transport:
// the Unix-socket server and the SSH server both drive a Client.
//
// A client that keeps up gets the program's output byte for byte, from the
// shared ring at its own offset (exact, and the cheapest). A client that
// falls behind (more than a window's worth of output waiting, see
// probe.go) gets no backlog: it gets an update, what changed between the
// screen its terminal shows and the screen now, and then continues with the
// output that follows, as if it had never been behind. While its terminal
// is slow, it gets at most one update per answer from it, so the program's
// newest screen (a prompt after Ctrl-C during a flood) is shown about one
// round trip later, on any link. Its memory in the daemon is bounded by a
// screen; a frozen client costs nothing, and the program never waits for a
// client.
//
// Attaching is an update too: from nothing, a repaint of both screens.

package ptykeeper

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/ring"
	"github.com/ptykeeper/ptykeeper/ptykeeper/screen"
)

// AttachOptions are what a client asks for when attaching.
type AttachOptions struct {
	ReadOnly     bool // input dropped, size ignored
	DetachOthers bool // detach every other client first
	Size         Size // the client's window; zero: unknown
	Scrollback   int  // lines of history to send before the repaint
}

// Client is an attached viewer. Read and Write may be used from different
// goroutines; each of them from one goroutine at a time.
type Client struct {
	s        *Session
	readOnly bool
	sub      *ring.Sub
	kick     chan struct{} // closed to detach the client from outside
	kickOnce sync.Once
	kickErr  error
	flow     *flow

	// Owned by the reader (Read).
	off        uint64       // next ring offset to deliver
	pending    []byte       // bytes to deliver first: history, an update, a probe
	lagging    bool         // the next delivery is an update, not ring bytes
	frame      screen.Frame // what the terminal shows, while frameValid
	frameValid bool
	buf        []byte // update scratch, reused

	src         *inputSource  // this client's account with the program's input
	consumed    atomic.Int64  // input bytes that reached the program, not yet taken
	consumedSig chan struct{} // one slot: consumed passed inputAckBatch

	// guarded by s.mu
	size    Size
	hasSize bool
	seq     uint64
}

// inputAckBatch is how much of a client's input must reach the program
// before InputConsumed says so: one wake-up per batch, not per keystroke.
const inputAckBatch = 32 << 10

// Attach attaches a new client. Its first Reads return the history lines
// asked for and a repaint of the current screen.
func (s *Session) Attach(o AttachOptions) (*Client, error) {
	c := &Client{s: s, readOnly: o.ReadOnly, kick: make(chan struct{}), consumedSig: make(chan struct{}, 1), flow: newFlow(), lagging: true}
	c.src = newInputSource(func(n int) {
		if c.consumed.Add(int64(n)) >= inputAckBatch {
			select {
			case c.consumedSig <- struct{}{}:
			default:
			}
		}
	})
	s.mu.Lock()
	if s.removed {
		s.mu.Unlock()
		return nil, ErrRemoved
	}
	if o.DetachOthers {
		for other := range s.clients {
			other.detach(ErrTakenOver)
			delete(s.clients, other)
		}
	}
	s.clientSeq++
	c.seq = s.clientSeq
	if o.Size != (Size{}) && !o.ReadOnly {
		c.size, c.hasSize = o.Size.Clamp(), true
	}
	s.clients[c] = struct{}{}
	s.resizeLocked()
	s.notifyLocked()
	s.mu.Unlock()

	c.sub = s.ring.Subscribe(s.ring.Head(), true)
	if o.Scrollback > 0 {
		c.pending = crlf(s.hist.Last(o.Scrollback))
		c.flow.add(len(c.pending))
	}
	return c, nil
}

// crlf turns history lines into what a raw-mode terminal needs.
func crlf(lines []byte) []byte {
	out := make([]byte, 0, len(lines)+len(lines)/32)
	for _, b := range lines {
		if b == '\n' {
			out = append(out, '\r')
		}
		out = append(out, b)
	}
	return out
}

// Read returns the next bytes to show: history, then the repaint, then live
// output or updates. It blocks until there is something the client's
// terminal may take now, and returns an *EndError once the session is down
// and everything was delivered, ErrDetached after Close, ErrTakenOver when
// another client detached this one, ErrRemoved when the session went away.
func (c *Client) Read(p []byte) (int, error) {
	for {
		if len(c.pending) > 0 { // counted as sent when it was queued
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		}
		select {
		case <-c.kick:
			return 0, c.kickErr
		default:
		}
		room, probe, wait := c.flow.hold(time.Now(), c.lagging)
		if probe {
			c.queueProbe()
			continue
		}
		if wait > 0 {
			// The terminal has enough to show (or the last update is not
			// shown yet): wait for its answer.
			if err := c.waitAnswer(wait); err != nil {
				return 0, err
			}
			continue
		}
		if !c.lagging && c.s.ring.Head()-c.off > c.flow.lagBound(c.s.ring.Max()) {
			c.lagging = true
			continue // an update goes out once the last probe was answered
		}
		if c.lagging {
			c.update()
			continue
		}
		if room > 0 && room < len(p) {
			p = p[:room]
		}
		n, lost := c.s.ring.ReadAt(p, c.off)
		if lost {
			c.lagging = true
			continue
		}
		if n > 0 {
			c.off += uint64(n)
			c.sub.Consumed(c.off)
			c.frameValid = false // the terminal moved on from the last update
			c.flow.add(n)
			if c.flow.wantProbe(false) {
				c.queueProbe()
			}
			return n, nil
		}
		if err := c.waitOutput(); err != nil {
			return 0, err
		}
	}
}

// update makes what turns the client's terminal into the current screen
// the next thing to deliver, followed by a probe, and continues the stream
// from the offset the screen reflects.
func (c *Client) update() {
	s := c.s
	s.scrMu.Lock()
	from := &c.frame
	if !c.frameValid {
		from = nil // unknown: a full repaint
	}
	c.buf = s.model.diff(c.buf[:0], from)
	s.model.snapshot(&c.frame)
	c.off = s.ring.Head()
	s.scrMu.Unlock()
	c.frameValid = true
	c.sub.Consumed(c.off)
	c.lagging = false
	probe := c.flow.wantProbe(true)
	if probe {
		c.buf = append(c.buf, statusQuery...)
	}
	c.pending = c.buf
	c.flow.add(len(c.buf))
	if probe {
		c.flow.probeSent()
	}
}

// queueProbe makes a probe the next thing to deliver.
func (c *Client) queueProbe() {
	c.pending = probeBytes
	c.flow.add(len(probeBytes))
	c.flow.probeSent()
}

// probeBytes is a probe to deliver (never written to).
var probeBytes = []byte(statusQuery)

// waitAnswer waits for the terminal's answer to a probe, or up to giveUp.
func (c *Client) waitAnswer(giveUp time.Duration) error {
	t := time.NewTimer(giveUp)
	defer t.Stop()
	select {
	case <-c.flow.answered:
	case <-t.C:
	case <-c.kick:
		return c.kickErr
	}
	return nil
}

// waitOutput waits for new output, or the end of the session.
func (c *Client) waitOutput() error {
	c.s.mu.Lock()
	changed := c.s.changed
	end := c.s.endLocked(c.off)
	c.s.mu.Unlock()
	if end != nil {
		return end
	}
	select {
	case <-c.sub.C:
	case <-changed:
	case <-c.kick:
	case <-c.flow.answered: // room again, or the first answer
	}
	return nil
}

// endLocked returns an EndError when the session is down and off has reached
// the end of the last run's output.
func (s *Session) endLocked(off uint64) error {
	if s.removed {
		return ErrRemoved
	}
	if !s.state.Down() || s.run != nil || off < s.endOff {
		return nil
	}
	return &EndError{Session: s.name, State: s.state, Status: s.lastExit, Err: s.startErr}
}

// Write types p into the program. Answers of the client's terminal to the
// keeper's probes are taken out first. Input from a read-only client is
// dropped. It returns once p is queued for the program (input.go); only
// when this client already has inputQuota bytes waiting does it wait, until
// there is room or the client is detached.
func (c *Client) Write(p []byte) (int, error) {
	// First, before anything of p is taken: the transport of a frozen
	// client carries p over to the new daemon untouched.
	select {
	case <-c.kick:
		return 0, c.kickErr
	default:
	}
	n := len(p)
	p = c.flow.filterInput(p)
	if c.readOnly || len(p) == 0 {
		return n, nil
	}
	c.s.mu.Lock()
	c.s.clientSeq++
	c.seq = c.s.clientSeq
	if c.s.policy == SizeLatest {
		c.s.resizeLocked() // the typist's window wins
	}
	c.s.mu.Unlock()
	if err := c.s.input(c.src, p, true, c.kick); err != nil {
		return 0, err
	}
	return n, nil
}

// InputConsumed is signalled when a batch of the input this client typed
// has been written to the program; TakeInputConsumed then says how much. A
// transport with its own flow control (the socket's input window)
// acknowledges it.
func (c *Client) InputConsumed() <-chan struct{} { return c.consumedSig }

// TakeInputConsumed returns the bytes of this client's input written to the
// program since the last call.
func (c *Client) TakeInputConsumed() int { return int(c.consumed.Swap(0)) }

// Resize reports the client's window size. Ignored for read-only clients.
func (c *Client) Resize(sz Size) {
	if c.readOnly {
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.size, c.hasSize = sz.Clamp(), true
	c.s.resizeLocked()
}

// Done is closed when the client was detached from outside (another client
// attached with DetachOthers, or the session was removed).
func (c *Client) Done() <-chan struct{} { return c.kick }

// Close detaches the client. The program goes on.
func (c *Client) Close() {
	c.s.mu.Lock()
	if _, ok := c.s.clients[c]; ok {
		delete(c.s.clients, c)
		c.s.resizeLocked()
		c.s.notifyLocked()
	}
	c.s.mu.Unlock()
	c.detach(ErrDetached)
	c.s.ring.Unsubscribe(c.sub)
}

func (c *Client) detach(err error) {
	c.kickOnce.Do(func() {
		c.kickErr = err
		close(c.kick)
	})
}
