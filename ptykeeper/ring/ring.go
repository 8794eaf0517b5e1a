// Package ring is a session's output ring: the bytes attached clients
// stream, each at its own absolute offset (the screen model and the text
// filter take output directly from the pump, see ptykeeper/output.go).
//
// The output path is the only writer and never waits for a reader. The
// ring starts small; when a streaming client lags, it grows, up to its
// maximum, so that scheduling hiccups cost no bytes; Shrink gives the
// memory back once everybody caught up. A client further behind finds its
// bytes gone (ReadAt reports lost) and gets the screen instead.

package ring

import (
	"sync"
	"sync/atomic"
)

// Sub is one reader's registration: its wake-up channel and, for a lossless
// reader, the offset it has consumed up to (the ring keeps what it lacks).
type Sub struct {
	C        chan struct{}
	lossless bool
	off      atomic.Uint64
}

// Consumed records that the reader has everything before off.
func (s *Sub) Consumed(off uint64) { s.off.Store(off) }

// Ring is a byte ring addressed by absolute offsets.
type Ring struct {
	mu       sync.Mutex // guards everything below
	buf      []byte     // len is a power of two
	mask     uint64
	head     uint64 // absolute offset one past the newest byte
	min, max int
	subs     []*Sub
}

func pow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// New returns a ring of minSize bytes that grows up to maxSize for
// lagging lossless readers. Sizes are rounded up to powers of two.
func New(minSize, maxSize int) *Ring {
	minSize, maxSize = pow2(minSize), pow2(max(minSize, maxSize))
	return &Ring{buf: make([]byte, minSize), mask: uint64(minSize - 1), min: minSize, max: maxSize}
}

// Write appends p and wakes every subscriber. It never blocks on a reader;
// it allocates only when a lagging reader makes the ring grow.
func (r *Ring) Write(p []byte) {
	r.mu.Lock()
	if need := r.neededLocked(len(p)); need > len(r.buf) && len(r.buf) < r.max {
		r.resizeLocked(min(pow2(need), r.max))
	}
	if len(p) > len(r.buf) {
		r.head += uint64(len(p) - len(r.buf))
		p = p[len(p)-len(r.buf):]
	}
	for len(p) > 0 {
		i := r.head & r.mask
		n := copy(r.buf[i:], p)
		r.head += uint64(n)
		p = p[n:]
	}
	for _, s := range r.subs {
		select {
		case s.C <- struct{}{}:
		default: // already has a pending wake-up
		}
	}
	r.mu.Unlock()
}

// neededLocked returns how many bytes must be retained after writing n more
// so that no lossless reader loses any.
func (r *Ring) neededLocked(n int) int {
	need := n
	for _, s := range r.subs {
		if s.lossless {
			if off := s.off.Load(); off < r.head {
				need = max(need, int(r.head-off)+n)
			}
		}
	}
	return need
}

// resizeLocked moves the retained bytes into a buffer of size n.
func (r *Ring) resizeLocked(n int) {
	nb := make([]byte, n)
	nmask := uint64(n - 1)
	keep := min(uint64(len(r.buf)), uint64(n), r.head)
	for off := r.head - keep; off < r.head; {
		i := off & r.mask
		end := min(uint64(len(r.buf)), i+(r.head-off))
		j := off & nmask
		c := copy(nb[j:], r.buf[i:end])
		off += uint64(c)
	}
	r.buf, r.mask = nb, nmask
}

// Grown reports whether the ring is above its size at rest (Shrink has
// work to do once its readers caught up).
func (r *Ring) Grown() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.buf) > r.min
}

// Shrink returns the ring to its minimum size if every lossless reader has
// caught up. Call it when output pauses.
func (r *Ring) Shrink() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) > r.min && r.neededLocked(0) <= r.min {
		r.resizeLocked(r.min)
	}
}

// Restore makes a new ring hold data as the bytes just before head: what an
// earlier owner's ring held (an upgrade), so that offsets go on.
func (r *Ring) Restore(head uint64, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := pow2(len(data)); n > len(r.buf) {
		r.buf, r.mask = make([]byte, min(n, r.max)), uint64(min(n, r.max)-1)
	}
	data = data[max(len(data)-len(r.buf), 0):]
	r.head = head - uint64(len(data))
	for len(data) > 0 {
		i := r.head & r.mask
		n := copy(r.buf[i:], data)
		r.head += uint64(n)
		data = data[n:]
	}
}

// Bytes returns a copy of everything the ring holds, which ends at Head.
func (r *Ring) Bytes() []byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]byte, 0, r.head-r.tailLocked())
	for off := r.tailLocked(); off < r.head; {
		i := off & r.mask
		end := min(uint64(len(r.buf)), i+(r.head-off))
		out = append(out, r.buf[i:end]...)
		off += end - i
	}
	return out
}

// Max returns the size up to which the ring grows.
func (r *Ring) Max() int { return r.max }

// Subscribers returns how many readers are registered.
func (r *Ring) Subscribers() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.subs)
}

// Head returns the offset one past the newest byte.
func (r *Ring) Head() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.head
}

// Tail returns the offset of the oldest byte still retained.
func (r *Ring) Tail() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tailLocked()
}

func (r *Ring) tailLocked() uint64 {
	if r.head < uint64(len(r.buf)) {
		return 0
	}
	return r.head - uint64(len(r.buf))
}

// ReadAt copies bytes starting at absolute offset off into p and returns how
// many it copied. lost is true when off is older than the oldest retained byte;
// then nothing is copied and the caller must resynchronise.
func (r *Ring) ReadAt(p []byte, off uint64) (n int, lost bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if off < r.tailLocked() {
		return 0, true
	}
	for off < r.head && n < len(p) {
		i := off & r.mask
		end := min(uint64(len(r.buf)), i+(r.head-off))
		c := copy(p[n:], r.buf[i:end])
		n += c
		off += uint64(c)
	}
	return n, false
}

// Subscribe registers a reader starting at from. A lossless reader must call
// Consumed as it reads; the ring grows rather than drop its bytes, up to its
// maximum. Call Unsubscribe when done.
func (r *Ring) Subscribe(from uint64, lossless bool) *Sub {
	s := &Sub{C: make(chan struct{}, 1), lossless: lossless}
	s.off.Store(from)
	r.mu.Lock()
	r.subs = append(r.subs, s)
	r.mu.Unlock()
	return s
}

// Unsubscribe stops wake-ups to s and stops retaining bytes for it.
func (r *Ring) Unsubscribe(s *Sub) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.subs {
		if x == s {
			r.subs = append(r.subs[:i], r.subs[i+1:]...)
			return
		}
	}
}
