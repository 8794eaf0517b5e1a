// client.go is one attached viewer of a session, independent of transport:
// the Unix-socket server and the SSH server both drive a Client.
//
// Output reaches a client through the shared ring at the client's own
// offset, so every client is its own bounded queue and the program never
// waits for one. A client that falls more than the ring behind (a stalled
// SSH window, a frozen laptop) loses its backlog and gets a fresh repaint of
// the screen instead, then continues from exactly the offset the repaint
// reflects: no gap, no duplicate.

package ptykeeper

import (
	"sync"
	"sync/atomic"
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
	sub      *Sub
	kick     chan struct{} // closed to detach the client from outside
	kickOnce sync.Once
	kickErr  error

	off     uint64 // next ring offset to deliver; owned by the reader
	pending []byte // repaint bytes not yet delivered; owned by the reader

	src         *inputSource  // this client's account with the program's input
	consumed    atomic.Int64  // input bytes that reached the program, not yet taken
	consumedSig chan struct{} // one slot: consumed grew

	// guarded by s.mu
	size    Size
	hasSize bool
	seq     uint64
}

// Attach attaches a new client. Its first Reads return the history lines
// asked for and a repaint of the current screen.
func (s *Session) Attach(o AttachOptions) (*Client, error) {
	c := &Client{s: s, readOnly: o.ReadOnly, kick: make(chan struct{}), consumedSig: make(chan struct{}, 1)}
	c.src = newInputSource(func(n int) {
		c.consumed.Add(int64(n))
		select {
		case c.consumedSig <- struct{}{}:
		default:
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
	}
	c.resync()
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

// resync replaces the client's backlog with a repaint of the screen.
func (c *Client) resync() {
	r := c.s.feeder.request(reqRepaint)
	c.pending = append(c.pending, r.data...)
	c.off = r.off
	c.sub.Consumed(c.off)
}

// Read returns the next bytes to show: repaint bytes, then live output. It
// blocks until there is output, and returns an *EndError once the session
// is down and everything was delivered, ErrDetached after Close,
// ErrTakenOver when another client detached this one, ErrRemoved when the
// session went away.
func (c *Client) Read(p []byte) (int, error) {
	for {
		if len(c.pending) > 0 {
			n := copy(p, c.pending)
			c.pending = c.pending[n:]
			return n, nil
		}
		select {
		case <-c.kick:
			return 0, c.kickErr
		default:
		}
		n, lost := c.s.ring.ReadAt(p, c.off)
		if lost {
			c.resync()
			continue
		}
		if n > 0 {
			c.off += uint64(n)
			c.sub.Consumed(c.off)
			return n, nil
		}
		c.s.mu.Lock()
		changed := c.s.changed
		end := c.s.endLocked(c.off)
		c.s.mu.Unlock()
		if end != nil {
			return 0, end
		}
		select {
		case <-c.sub.C:
		case <-changed:
		case <-c.kick:
		}
	}
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

// Write types p into the program. Input from a read-only client is dropped.
// It returns once p is queued for the program (input.go); only when this
// client already has inputQuota bytes waiting does it wait, until there is
// room or the client is detached.
func (c *Client) Write(p []byte) (int, error) {
	if c.readOnly || len(p) == 0 {
		return len(p), nil
	}
	c.s.mu.Lock()
	c.s.clientSeq++
	c.seq = c.s.clientSeq
	if c.s.policy == SizeLatest {
		c.s.resizeLocked() // the typist's window wins
	}
	c.s.mu.Unlock()
	select {
	case <-c.kick:
		return 0, c.kickErr
	default:
	}
	if err := c.s.input(c.src, p, true, c.kick); err != nil {
		return 0, err
	}
	return len(p), nil
}

// InputConsumed is signalled when input this client typed has been written
// to the program; TakeInputConsumed then says how much. A transport with
// its own flow control (the socket's input window) acknowledges it.
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
