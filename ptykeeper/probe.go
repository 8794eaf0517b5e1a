// probe.go knows how far a client's terminal really is.
//
// Bytes handed to a client's connection are not yet on its screen: they
// wait in socket buffers, in the SSH window (OpenSSH's client grants
// 2 MiB), in the client process and in the terminal's own PTY. A client can
// be seconds behind without its connection ever blocking. So now and then
// the keeper asks the client's terminal for its status (DSR, ESC [ 5 n); a
// terminal answers ESC [ 0 n once it has processed everything before the
// question, which proves what it has shown. The keeper answers the
// program's own status queries itself and never passes them on
// (output.go), so every such answer a client types is to a probe: it is
// taken out of the client's input.
//
// Answers bound what is in flight: at most window bytes beyond the last
// answered probe. The window follows the link: it shrinks when answers come
// back more than queueTarget later than the quickest answer seen (the
// link's own latency), and grows while they do not. A terminal that never
// answers (a test harness, a pipe) is found out by the first probe, sent
// right after the repaint on attach, and is then streamed to without
// probes, bounded only by its connection.

package ptykeeper

import (
	"bytes"
	"sync"
	"time"
)

// statusQuery and statusOK are DSR 5 and its answer.
const (
	statusQuery = "\x1b[5n"
	statusOK    = "\x1b[0n"
)

const (
	startWindow = 16 << 10
	minWindow   = 4 << 10
	maxWindow   = 4 << 20
	// queueTarget is how much later than the link's own latency a
	// terminal may show what it was sent: the bound on a slow link's lag.
	queueTarget = 25 * time.Millisecond
	// probeGiveUp is how long the first probe may go unanswered before the
	// terminal is taken for one that never answers.
	probeGiveUp = 2 * time.Second
	// probeLost is how long an answer may take before the probe is taken
	// for lost (an answer split across reads reached the program).
	probeLost = 10 * time.Second
)

type probeState int8

const (
	probeUnknown probeState = iota // no answer yet
	probeWorks                     // the terminal answers
	probeNever                     // the first probe went unanswered
)

type probe struct {
	at      uint64 // bytes sent before it (and it)
	t       time.Time
	limited bool // sent while the window was half full: its delay measures the link
}

// flow is one client's in-flight accounting. Read (the output side) sends;
// Write (the input side) finds answers.
type flow struct {
	mu         sync.Mutex // guards everything below
	state      probeState
	sent       uint64 // bytes given to the transport
	confirmed  uint64 // bytes the terminal has shown, as of the last answer
	probes     []probe
	unanswered int // probes sent, not answered: their answers are taken out of input
	window     int
	minDelay   time.Duration
	lastProbe  uint64        // sent, when the last probe went out
	answered   chan struct{} // one slot: an answer came
}

func newFlow() *flow {
	return &flow{window: startWindow, answered: make(chan struct{}, 1)}
}

// add counts n bytes given to the transport.
func (f *flow) add(n int) {
	f.mu.Lock()
	f.sent += uint64(n)
	f.mu.Unlock()
}

// wantProbe reports whether a probe should follow what was sent: after an
// update of the screen, or every half window of output once the terminal
// is known to answer; while that is unknown, only one at a time.
func (f *flow) wantProbe(update bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch f.state {
	case probeNever:
		return false
	case probeUnknown:
		return len(f.probes) == 0 && f.unanswered == 0
	}
	return update || f.sent-f.lastProbe >= uint64(f.window/2)
}

// probeSent records a probe that went out after everything counted so far
// (its own bytes included).
func (f *flow) probeSent() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.probes = append(f.probes, probe{at: f.sent, t: time.Now(), limited: f.sent-f.confirmed >= uint64(f.window/2)})
	f.unanswered++
	f.lastProbe = f.sent
}

// hold says what Read may do now: send up to room more bytes (-1: no
// limit), or first send a probe (the window is full and none is out, so
// nothing would ever answer), or wait up to wait for an answer. While
// lagging, an update goes out only once the last one was shown.
func (f *flow) hold(now time.Time, lagging bool) (room int, probe bool, wait time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expireLocked(now)
	if f.state != probeWorks {
		return -1, false, 0
	}
	inFlight := int(f.sent - f.confirmed)
	switch {
	case lagging && len(f.probes) > 0, inFlight >= f.window && len(f.probes) > 0:
		return 0, false, max(probeLost-now.Sub(f.probes[0].t), time.Millisecond)
	case inFlight >= f.window:
		return 0, true, 0
	}
	return f.window - inFlight, false, 0
}

// lagBound is how far behind the ring head a streaming client may be before
// it gets the screen instead of the bytes: a window's worth.
func (f *flow) lagBound(ringMax int) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return uint64(min(max(f.window, minWindow), ringMax/2))
}

func (f *flow) expireLocked(now time.Time) {
	if len(f.probes) == 0 {
		return
	}
	age := now.Sub(f.probes[0].t)
	switch {
	case f.state == probeUnknown && age > probeGiveUp:
		f.state, f.probes = probeNever, nil
	case f.state == probeWorks && age > probeLost:
		f.confirmed = f.probes[0].at
		f.probes = f.probes[1:]
	}
}

// filterInput takes the answers to probes out of a client's input and
// returns the rest (p itself when there are none).
func (f *flow) filterInput(p []byte) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.unanswered == 0 || !bytes.Contains(p, []byte(statusOK)) {
		return p
	}
	out := make([]byte, 0, len(p))
	for f.unanswered > 0 {
		i := bytes.Index(p, []byte(statusOK))
		if i < 0 {
			break
		}
		out = append(out, p[:i]...)
		p = p[i+len(statusOK):]
		f.answerLocked(time.Now())
	}
	return append(out, p...)
}

// answerLocked takes an answer for the oldest probe.
func (f *flow) answerLocked(now time.Time) {
	f.unanswered--
	if len(f.probes) == 0 {
		return // a late answer to a probe given up on
	}
	p := f.probes[0]
	f.probes = f.probes[1:]
	f.confirmed = p.at
	f.state = probeWorks
	d := now.Sub(p.t)
	if f.minDelay == 0 || d < f.minDelay {
		f.minDelay = d
	}
	if p.limited {
		if queue := d - f.minDelay; queue > queueTarget {
			f.window = max(minWindow, int(int64(f.window)*int64(queueTarget)/int64(queue)))
		} else if queue < queueTarget/2 {
			f.window = min(maxWindow, f.window*2)
		}
	}
	select {
	case f.answered <- struct{}{}:
	default:
	}
}
