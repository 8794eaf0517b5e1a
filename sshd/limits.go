// limits.go keeps unauthenticated connections from crowding out the people
// who can log in, the way OpenSSH's MaxStartups and PerSourceMaxStartups
// do. A connection holds a per-source slot and then a startup slot until it
// authenticates (or closes); authenticated connections have a cap of their
// own. An address that keeps failing waits before it gets a startup slot:
// the wait holds only its own per-source slot, so one address cannot lock
// anybody else out.

package sshd

import (
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// Startups is OpenSSH's MaxStartups start:rate:full: from Start
// unauthenticated connections on, a new one is dropped with probability
// Rate percent, rising linearly to 100 % at Full.
type Startups struct {
	Start, Rate, Full int
}

// drop decides for a new connection when n are waiting to authenticate.
func (st Startups) drop(n int) bool {
	if n < st.Start {
		return false
	}
	if n >= st.Full {
		return true
	}
	p := st.Rate + (100-st.Rate)*(n-st.Start)/(st.Full-st.Start)
	return rand.IntN(100) < p
}

// Defaults of the limits; the zero values of Server's fields mean these.
var (
	DefaultMaxStartups = Startups{Start: 20, Rate: 30, Full: 100}
	// Half of MaxStartups' start: one address alone never brings on the
	// random early drop for others.
	DefaultPerSourceMaxStartups = 10
	DefaultMaxConns             = 64
	DefaultAuthTimeout          = 30 * time.Second
	DefaultMaxAuthTries         = 6
)

// gate counts connections by phase. Its fields are guarded by mu; the zero
// value is ready.
type gate struct {
	mu        sync.Mutex
	perSource map[string]int // connections not yet authenticated, by address
	startups  int            // connections holding a startup slot
	authed    int            // authenticated connections
	fails     map[string]*failRecord
}

type failRecord struct {
	n    int
	last time.Time
}

// connPhase is where one connection is.
type connPhase int

const (
	phaseWaiting connPhase = iota // holds a per-source slot only
	phaseStartup                  // also a startup slot
	phaseAuthed                   // authenticated: an authenticated slot only
	phaseClosed
)

// connSlot is one connection's place in the gate.
type connSlot struct {
	g     *gate
	src   string
	phase connPhase // guarded by g.mu
}

// enter takes a per-source slot for a connection from src; it returns the
// penalty delay to wait before startup, or false when src has too many
// connections waiting already.
func (g *gate) enter(src string, perSource int) (*connSlot, time.Duration, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.perSource == nil {
		g.perSource = map[string]int{}
	}
	if g.perSource[src] >= perSource {
		return nil, 0, false
	}
	g.perSource[src]++
	return &connSlot{g: g, src: src}, g.penaltyLocked(src), true
}

// startup takes a startup slot, or refuses by MaxStartups.
func (c *connSlot) startup(st Startups) bool {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.phase != phaseWaiting || st.drop(g.startups) {
		return false
	}
	g.startups++
	c.phase = phaseStartup
	return true
}

// authenticated moves the connection from its startup slots to an
// authenticated one; false if max are authenticated already.
func (c *connSlot) authenticated(max int) bool {
	g := c.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.phase != phaseStartup || g.authed >= max {
		return false
	}
	c.releaseLocked()
	g.authed++
	c.phase = phaseAuthed
	return true
}

// close gives back whatever the connection holds; it may be called twice.
func (c *connSlot) close() {
	c.g.mu.Lock()
	defer c.g.mu.Unlock()
	if c.phase == phaseAuthed {
		c.g.authed--
	} else {
		c.releaseLocked()
	}
	c.phase = phaseClosed
}

// releaseLocked gives back the per-source and startup slots.
func (c *connSlot) releaseLocked() {
	g := c.g
	switch c.phase {
	case phaseStartup:
		g.startups--
		fallthrough
	case phaseWaiting:
		if g.perSource[c.src]--; g.perSource[c.src] <= 0 {
			delete(g.perSource, c.src)
		}
	}
}

// penaltyLocked is the delay for a new connection from an address that
// failed recently: 250 ms doubling per failure, at most 5 s; forgotten
// after a quiet minute.
func (g *gate) penaltyLocked(src string) time.Duration {
	r := g.fails[src]
	if r == nil || r.n < 2 {
		return 0
	}
	if time.Since(r.last) > time.Minute {
		delete(g.fails, src)
		return 0
	}
	return min(250*time.Millisecond<<(r.n-2), 5*time.Second)
}

func (g *gate) recordFailure(src string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	r := g.fails[src]
	if r == nil {
		if g.fails == nil || len(g.fails) > 10000 { // bounded memory under a scan
			g.fails = map[string]*failRecord{}
		}
		r = &failRecord{}
		g.fails[src] = r
	}
	r.n = min(r.n+1, 16)
	r.last = time.Now()
}

// hostOf is the source address a connection is counted under.
func hostOf(a net.Addr) string {
	if ip := addrIP(a); ip != nil {
		return ip.String()
	}
	return a.String()
}
