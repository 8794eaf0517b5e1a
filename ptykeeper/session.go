// session.go owns a named session: its spec, its output path (output.go:
// screen model, ring, text history), its attached clients and the
// current run. The supervisor (supervisor.go) decides when runs start and
// stop; this file holds the data and the client-facing operations.
//
// Attaching is to the session, not to a run: the ring, the screen and the
// clients outlive every restart of the program.

package ptykeeper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/ring"
	"github.com/ptykeeper/ptykeeper/ptykeeper/screen"
)

// State is a session's supervision state (supervisord's names).
type State string

// States.
const (
	Stopped  State = "STOPPED"
	Starting State = "STARTING"
	Running  State = "RUNNING"
	Backoff  State = "BACKOFF"
	Stopping State = "STOPPING"
	Exited   State = "EXITED"
	Fatal    State = "FATAL"
)

// Down reports whether the state has no program and none is coming by
// itself.
func (s State) Down() bool { return s == Stopped || s == Exited || s == Fatal }

// sameExceptSize reports whether two specs differ at most in Size.
func sameExceptSize(a, b Spec) bool {
	a.Size = b.Size
	return reflect.DeepEqual(a, b)
}

// Session is one named program kept under a PTY.
type Session struct {
	name string
	ring *ring.Ring
	hist *History
	log  *slog.Logger

	// The screen lock guards the output path (output.go): the model, what
	// is held back from clients, the text filter and the log. Taken after
	// mu, never before.
	scrMu        sync.Mutex
	model        guardedModel
	held         []byte
	spans        []screen.Span
	replies      []byte
	filter       TextFilter
	sink         LineSink // nil: no log file
	lastOutput   time.Time
	compactArmed bool
	compactTimer *time.Timer

	answers *inputSource  // the screen model's answers to terminal queries
	events  chan event    // to the supervisor
	quit    chan struct{} // closed when the session is removed
	done    chan struct{} // closed when its goroutines have ended (history final)
	wg      sync.WaitGroup

	mu        sync.Mutex // guards everything below
	policy    SizePolicy
	spec      Spec
	state     State
	run       *run
	size      Size
	clients   map[*Client]struct{}
	clientSeq uint64        // orders clients by last activity (size policy "latest")
	changed   chan struct{} // closed and replaced on every change clients may wait for
	endOff    uint64        // ring offset at which the last run's output ended
	lastExit  *ExitStatus
	lastStart time.Time
	failures  int       // quick failures in a row
	restarts  int       // automatic restarts in a row (backoff exponent)
	nextStart time.Time // when BACKOFF ends
	startErr  error     // why the last spawn failed
	hadRun    bool      // a program ran before: a new run starts with a terminal reset
	removed   bool
}

// Options are the keeper-wide settings every session uses.
type Options struct {
	SizePolicy   SizePolicy
	RingMin      int // output buffer size at rest; default 16 KiB
	RingMax      int // up to which it grows while a client streams behind; default 256 KiB
	HistoryLines int // lines of history; default 10,000; <0: none
	Logger       *slog.Logger
	// Sink, if set, opens the log of a session: every output line goes to
	// its Line (which must not block), and it is closed with the session.
	Sink func(session string) (LineSink, error)

	newScreen func(Size) screenModel // tests replace the screen model
}

// LineSink receives a session's output as text lines.
type LineSink interface {
	Line(line []byte)
	Close()
}

func (o Options) withDefaults() Options {
	if o.SizePolicy == "" {
		o.SizePolicy = SizeLatest
	}
	if o.RingMin == 0 {
		o.RingMin = 16 << 10
	}
	if o.RingMax == 0 {
		o.RingMax = 256 << 10
	}
	if o.HistoryLines == 0 {
		o.HistoryLines = DefaultHistoryLines
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.newScreen == nil {
		o.newScreen = newScreenModel
	}
	return o
}

func newSession(spec Spec, o Options) *Session {
	s := newSessionStopped(spec, o)
	s.startSupervisor()
	return s
}

// newSessionStopped builds a session whose supervisor is not running yet.
func newSessionStopped(spec Spec, o Options) *Session {
	s := &Session{
		name:    spec.Name,
		ring:    ring.New(o.RingMin, o.RingMax),
		hist:    NewHistory(max(o.HistoryLines, 0)),
		log:     o.Logger.With("session", spec.Name),
		policy:  o.SizePolicy,
		events:  make(chan event, 16),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		spec:    spec,
		state:   Stopped,
		size:    spec.Size,
		clients: map[*Client]struct{}{},
		changed: make(chan struct{}),
		answers: newInputSource(nil),
	}
	s.model = guardedModel{m: o.newScreen(spec.Size), size: spec.Size, newM: o.newScreen, ring: s.ring, log: s.log}
	s.filter.Line = s.line
	s.sink = s.openSink(o.Sink)
	s.compactTimer = time.AfterFunc(time.Hour, s.compact)
	s.compactTimer.Stop()
	return s
}

func (s *Session) startSupervisor() {
	s.wg.Add(1)
	go s.supervise()
}

// openSink opens the session's log with open, if set.
func (s *Session) openSink(open func(string) (LineSink, error)) LineSink {
	if open == nil {
		return nil
	}
	sink, err := open(s.name)
	if err != nil {
		s.log.Error("no log file", "err", err)
		return nil
	}
	return sink
}

// setPolicy changes the size policy and applies it.
func (s *Session) setPolicy(p SizePolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.policy = p
	s.resizeLocked()
}

// Name returns the session's name.
func (s *Session) Name() string { return s.name }

// Spec returns the session's current settings.
func (s *Session) Spec() Spec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spec
}

// notifyLocked wakes everybody waiting for a change. s.mu must be held.
func (s *Session) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// input queues p for the program's terminal from src (see input.go). With
// wait, a source over its quota waits for room until cancel is closed;
// without, it gets an error at once. Input while no program runs is dropped.
func (s *Session) input(src *inputSource, p []byte, wait bool, cancel <-chan struct{}) error {
	s.mu.Lock()
	r, removed := s.run, s.removed
	s.mu.Unlock()
	if removed {
		return ErrRemoved
	}
	if r == nil {
		return nil
	}
	if r.frozen.Load() {
		return ErrUpgrading
	}
	if err := r.input.write(src, p, wait, cancel); err != nil && !errors.Is(err, errInputClosed) {
		return err
	}
	return nil
}

// Send types p into the program, as if a client had typed it. It does not
// wait for the program to read: it fails if the program already has more
// than inputQuota bytes of it waiting.
func (s *Session) Send(p []byte) error {
	return s.input(newInputSource(nil), p, false, nil)
}

// redraw asks the program to repaint its screen (a window-size wiggle).
func (s *Session) redraw() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.run != nil {
		s.run.input.redraw(s.size)
	}
}

// Snapshot returns the current screen as text (like tmux capture-pane -p),
// with SGR attributes if ansi is set.
func (s *Session) Snapshot(ansi bool) []byte {
	s.scrMu.Lock()
	defer s.scrMu.Unlock()
	return s.model.text(nil, ansi)
}

// History returns the newest n lines of output history.
func (s *Session) History(n int) []byte { return s.hist.Last(n) }

// resizeLocked applies the size policy over the attached clients and resizes
// the PTY and the screen model if the result changed. s.mu must be held.
func (s *Session) resizeLocked() {
	if want, ok := s.policySizeLocked(); ok {
		s.setSizeLocked(want)
	}
}

// setSizeLocked resizes the PTY and the screen model to want, if that is a
// change. s.mu must be held.
func (s *Session) setSizeLocked(want Size) {
	if want == s.size {
		return
	}
	s.size = want
	// The model resizes at the point in the output where the program starts
	// drawing for the new size, which is now.
	s.scrMu.Lock()
	s.model.resize(want)
	s.scrMu.Unlock()
	if s.run != nil {
		s.run.input.setSize(want)
	}
}

func (s *Session) policySizeLocked() (Size, bool) {
	var best Size
	var bestSeq uint64
	found := false
	for c := range s.clients {
		if c.readOnly || !c.hasSize {
			continue
		}
		switch {
		case !found:
			best, bestSeq = c.size, c.seq
		case s.policy == SizeSmallest:
			best = Size{min(best.Cols, c.size.Cols), min(best.Rows, c.size.Rows)}
		case s.policy == SizeLargest:
			best = Size{max(best.Cols, c.size.Cols), max(best.Rows, c.size.Rows)}
		case c.seq > bestSeq:
			best, bestSeq = c.size, c.seq
		}
		found = true
	}
	return best, found
}

// TerminalReset puts a client's terminal back the way a shell expects it
// after attaching: main screen, no mouse or paste modes, visible cursor,
// normal keys and colours. Sent when a client leaves.
const TerminalReset = "\x1b[0m\x1b[r\x1b[?1049l\x1b[?1l\x1b>\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?2004l\x1b[ q"

// Errors from session operations.
var (
	ErrRemoved   = errors.New("session removed")
	ErrDetached  = errors.New("detached")
	ErrTakenOver = errors.New("detached: another client attached with -d")
	// ErrFrozen ends a client's Read and Write for an upgrade: its
	// transport hands it over (Client.State) instead of closing it.
	ErrFrozen = errors.New("frozen for an upgrade")
)

// EndError tells an attached client that the session's program is down and
// will not come back by itself.
type EndError struct {
	Session string
	State   State
	Status  *ExitStatus
	Err     error // why it could not start, if that is why
}

func (e *EndError) Error() string {
	var msg string
	switch {
	case e.Err != nil:
		msg = fmt.Sprintf("%s: %s: %v", e.Session, e.State, e.Err)
	case e.Status != nil && e.State != Stopped:
		msg = fmt.Sprintf("%s: program %s", e.Session, e.Status)
	default:
		msg = fmt.Sprintf("%s is %s", e.Session, e.State)
	}
	if e.State == Stopped || e.State == Fatal {
		msg += "; start it with: ptykeeper start " + e.Session
	}
	return msg
}

// ExitCode is what an attach command should exit with: the program's
// status when it exited by itself, 0 when it was stopped on purpose.
func (e *EndError) ExitCode() int {
	switch {
	case e.State == Stopped:
		return 0
	case e.Status != nil:
		return e.Status.ShellCode()
	}
	return 1
}

// Status is a snapshot of a session for ls/status.
type Status struct {
	Name      string      `json:"name"`
	State     State       `json:"state"`
	Pid       int         `json:"pid,omitempty"`
	Started   time.Time   `json:"started,omitzero"`
	Clients   int         `json:"clients"`
	Size      string      `json:"size"`
	Command   []string    `json:"command"`
	LastExit  *ExitStatus `json:"last_exit,omitempty"`
	Failures  int         `json:"failures,omitempty"` // quick failures in a row
	Restarts  int         `json:"restarts,omitempty"` // automatic restarts in a row
	NextStart time.Time   `json:"next_start,omitzero"`
	Error     string      `json:"error,omitempty"`
}

// Status returns a snapshot of the session.
func (s *Session) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{
		Name:     s.name,
		State:    s.state,
		Clients:  len(s.clients),
		Size:     s.size.String(),
		Command:  s.spec.Command,
		LastExit: s.lastExit,
		Failures: s.failures,
		Restarts: s.restarts,
	}
	if s.run != nil {
		st.Pid = s.run.proc.pid
		st.Started = s.run.started
	}
	if s.state == Backoff {
		st.NextStart = s.nextStart
	}
	if s.startErr != nil {
		st.Error = s.startErr.Error()
	}
	return st
}

// Wait blocks until the session's state satisfies ok or the timeout passes,
// and returns the last state seen.
func (s *Session) Wait(ok func(State) bool, timeout time.Duration) (State, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		st, ch := s.state, s.changed
		s.mu.Unlock()
		if ok(st) {
			return st, true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return st, false
		}
	}
}

// Follow writes the newest n history lines and then every new line of
// output to w until ctx is done, w fails or the session is removed (after
// its last lines). It reads the history, so it sees exactly the lines the
// log file gets: none twice, none skipped, unless it falls more than the
// history behind; then a line says how many it missed.
func (s *Session) Follow(ctx context.Context, n int, w io.Writer) error {
	wake, stop := s.hist.Watch()
	defer stop()
	lines, next := s.hist.Tail(n)
	if _, err := w.Write(lines); err != nil {
		return err
	}
	for {
		removed := false
		select {
		case <-ctx.Done():
			return nil
		case <-s.done: // torn down: its last lines are in the history now
			removed = true
		case <-wake:
		}
		lines, n, missed := s.hist.Since(next)
		next = n
		if missed > 0 {
			if _, err := fmt.Fprintf(w, "[ptykeeper: %d lines missed: output came faster than it was read]\n", missed); err != nil {
				return err
			}
		}
		if _, err := w.Write(lines); err != nil {
			return err
		}
		if removed {
			return ErrRemoved
		}
	}
}
