// upgrade.go hands a keeper's sessions to a new image of the daemon
// (`ptykeeper upgrade`, which re-executes the daemon in place): Freeze
// stops every session at a clean point and describes it, the new image
// builds an equal keeper with Restore, and Thaw undoes Freeze when the
// upgrade is abandoned.
//
// While frozen, the programs run on and are not told: their PTY masters
// stay open (the new image gets the same fds), what they write waits in
// the kernel until the new image reads it, what they read waits in our
// state, and they stay children of the same process, so their exit status
// is still collected (the reaper is paused: a program that exits meanwhile
// stays a zombie until the new image reaps it).
//
// A session's screen model travels as its repaint: a model fed the repaint
// equals the one that made it (the screen package's fuzz target
// FuzzRepaint checks exactly that), so the new image's screen is the old
// one, and the ring, the history and the clients' offsets go on from where
// they were.

package ptykeeper

import (
	"errors"
	"fmt"
	"os"
	"time"
)

// StateVersion numbers the layout of SessionState and ClientState. Bump it
// whenever a field is added, removed or changes meaning: the state is
// decoded strictly (ptykeeper/handover refuses unknown fields), and a newer
// binary lists the oldest version it still reads.
const StateVersion = 1

// SessionState is a frozen session.
type SessionState struct {
	Spec    Spec
	Managed bool // from the config, so a reload manages it

	State      State
	Size       Size
	Policy     SizePolicy
	LastExit   *ExitStatus `json:",omitempty"`
	LastStart  time.Time
	Failures   int
	Restarts   int
	NextStart  time.Time // BACKOFF: when it starts again
	StartError string    `json:",omitempty"`
	EndOffset  uint64
	HadRun     bool

	Run *RunState `json:",omitempty"` // nil: no program

	Screen     []byte // the model's repaint
	Held       []byte // output parsed but not yet passed on (an unfinished sequence)
	RingHead   uint64
	Ring       []byte // the newest output, ending at RingHead
	History    []byte // lines, oldest first
	HistorySeq uint64 // the number of the next line
	Line       []byte // the text filter's unfinished line
	AltScreen  bool   // the text filter's: output on the alternate screen is not history
}

// RunState is a frozen program.
type RunState struct {
	Pid      int
	MasterFD int // the PTY master's fd number, inherited across the exec
	Spec     Spec
	Started  time.Time
	Input    []byte // typed, not yet read by the program
}

// Frozen is a keeper stopped for a hand-over.
type Frozen struct {
	Sessions []SessionState
	// Masters are the PTY masters whose numbers the states hold: the
	// files the new image must inherit.
	Masters []*os.File
}

// Freeze stops every session at a clean point for a hand-over and
// describes them. It fails, changing nothing, when a session is stopping.
func (k *Keeper) Freeze() (*Frozen, error) {
	k.mu.Lock()
	list := k.listLocked()
	managed := make(map[*Session]bool, len(list))
	for _, s := range list {
		managed[s] = k.managed[s.name]
	}
	k.mu.Unlock()
	reaper.pause()
	f := &Frozen{}
	var done []*Session
	for _, s := range list {
		st, master, err := s.freeze()
		if err != nil {
			for _, d := range done {
				d.thaw(f.stateOf(d.name))
			}
			reaper.resume()
			return nil, fmt.Errorf("session %s: %w", s.name, err)
		}
		st.Managed = managed[s]
		f.Sessions = append(f.Sessions, st)
		if master != nil {
			f.Masters = append(f.Masters, master)
		}
		done = append(done, s)
	}
	return f, nil
}

func (f *Frozen) stateOf(name string) *SessionState {
	for i := range f.Sessions {
		if f.Sessions[i].Spec.Name == name {
			return &f.Sessions[i]
		}
	}
	return nil
}

// Thaw undoes Freeze: every session goes on as before.
func (k *Keeper) Thaw(f *Frozen) {
	for _, name := range k.Names() {
		if s, err := k.Get(name); err == nil {
			s.thaw(f.stateOf(name))
		}
	}
	reaper.resume()
}

// Release lets go of a frozen keeper whose sessions a keeper in this same
// process restored (tests): its goroutines end, and it touches neither the
// programs nor their fds. (After an exec there is nothing to release.)
func (k *Keeper) Release() {
	for _, name := range k.Names() {
		s, err := k.Get(name)
		if err != nil {
			continue
		}
		s.mu.Lock()
		r := s.run
		s.mu.Unlock()
		if r != nil {
			r.release()
		}
		s.request(evRelease, Spec{})
		s.wg.Wait()
	}
	reaper.resume()
}

func (s *Session) freeze() (SessionState, *os.File, error) {
	if err := s.request(evFreeze, Spec{}); err != nil {
		return SessionState{}, nil, err
	}
	s.mu.Lock()
	r := s.run
	s.mu.Unlock()
	var input []byte
	if r != nil {
		select {
		case <-r.exited: // reaped just before the reaper paused: let it finish
			s.request(evThaw, Spec{})
			return SessionState{}, nil, errBusy
		default:
		}
		input = r.freeze()
	}
	st := s.capture(r, input)
	if r == nil {
		return st, nil, nil
	}
	fd, err := rawFD(r.proc.master)
	if err != nil {
		s.thaw(&st)
		return SessionState{}, nil, err
	}
	st.Run.MasterFD = fd
	return st, r.proc.master, nil
}

// capture describes a frozen session.
func (s *Session) capture(r *run, input []byte) SessionState {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scrMu.Lock()
	defer s.scrMu.Unlock()
	st := SessionState{
		Spec: s.spec, State: s.state, Size: s.size, Policy: s.policy,
		LastExit: s.lastExit, LastStart: s.lastStart, Failures: s.failures, Restarts: s.restarts,
		NextStart: s.nextStart, EndOffset: s.endOff, HadRun: s.hadRun,
		Screen:   s.model.m.AppendRepaint(nil),
		Held:     append([]byte(nil), s.held...),
		RingHead: s.ring.Head(),
		Ring:     s.ring.Bytes(),
	}
	if s.startErr != nil {
		st.StartError = s.startErr.Error()
	}
	st.History, st.HistorySeq = s.hist.All()
	st.Line, st.AltScreen = s.filter.Unfinished()
	if r != nil {
		st.Run = &RunState{Pid: r.proc.pid, Spec: r.spec, Started: r.started, Input: input}
	}
	return st
}

// thaw undoes freeze; st (nil: unknown) gives back the input taken.
func (s *Session) thaw(st *SessionState) {
	s.mu.Lock()
	r := s.run
	s.mu.Unlock()
	if r != nil && r.frozen.Load() {
		var input []byte
		if st != nil && st.Run != nil {
			input = st.Run.Input
		}
		r.thaw(input)
	}
	s.request(evThaw, Spec{})
}

// rawFD returns f's fd number without Fd(), which would make a pollable
// file blocking.
func rawFD(f *os.File) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return -1, err
	}
	return fd, nil
}

// Restore builds a keeper from the sessions an earlier image froze. adopt
// turns an inherited fd number into a file (non-blocking, owned by Go's
// poller). Sessions that cannot be restored are named in the error; the
// others are restored.
func Restore(o Options, sessions []SessionState, adopt func(fd int) (*os.File, error)) (*Keeper, error) {
	k := New(o)
	var errs []error
	for i := range sessions {
		st := &sessions[i]
		s, err := k.restore(st, adopt)
		if err != nil {
			errs = append(errs, fmt.Errorf("session %s: %w", st.Spec.Name, err))
			continue
		}
		k.mu.Lock()
		k.sessions[s.name] = s
		k.managed[s.name] = st.Managed
		k.mu.Unlock()
	}
	return k, errors.Join(errs...)
}

func (k *Keeper) restore(st *SessionState, adopt func(int) (*os.File, error)) (*Session, error) {
	spec := st.Spec.Defaults()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	size := st.Size.Clamp()
	s := newSessionStopped(spec, k.opts)
	s.state, s.size, s.policy = st.State, size, st.Policy
	if s.policy == "" {
		s.policy = k.opts.SizePolicy
	}
	s.lastExit, s.lastStart = st.LastExit, st.LastStart
	s.failures, s.restarts, s.nextStart = st.Failures, st.Restarts, st.NextStart
	s.endOff, s.hadRun = st.EndOffset, st.HadRun
	if st.StartError != "" {
		s.startErr = errors.New(st.StartError)
	}
	m := k.opts.newScreen(size)
	m.Write(st.Screen)
	m.Write(st.Held)
	m.AppendReplies(nil)
	m.AppendAnswered(nil)
	s.model = guardedModel{m: m, size: size, newM: k.opts.newScreen, ring: s.ring, log: s.log}
	s.held = append(s.held[:0], st.Held...)
	s.ring.Restore(st.RingHead, st.Ring)
	s.hist.Restore(st.History, st.HistorySeq)
	s.filter.Resume(st.Line, st.AltScreen)
	if st.Run != nil {
		master, err := adopt(st.Run.MasterFD)
		if err != nil {
			return nil, fmt.Errorf("adopt the PTY of pid %d: %w", st.Run.Pid, err)
		}
		s.run = adoptRun(st.Run.Spec, st.Run.Started, st.Run.Pid, master, st.Run.Input, s, s.log, func(r *run) {
			s.events <- event{kind: evRunDone, run: r}
		})
	}
	s.startSupervisor()
	return s, nil
}

// ClientState is a frozen client: what a transport carries over an upgrade
// for a connection it keeps.
type ClientState struct {
	Session    string
	ReadOnly   bool
	Size       Size
	HasSize    bool
	Offset     uint64 // the next ring offset it gets
	Pending    []byte // bytes queued for it, not yet given to its transport
	Lagging    bool
	ProbeState int8 // see probe.go
	Window     int
	Unanswered int // probes whose answers are still to be taken out of its input
}

// Freeze makes the client's Read and Write return ErrFrozen: its transport
// stops using it, then takes its State and Releases it.
func (c *Client) Freeze() { c.detach(ErrFrozen) }

// Release removes a frozen client from its session without the size
// policy running (the client goes on, resumed, at the same size: the
// program must see no window change).
func (c *Client) Release() {
	c.s.mu.Lock()
	delete(c.s.clients, c)
	c.s.notifyLocked()
	c.s.mu.Unlock()
	c.s.ring.Unsubscribe(c.sub)
}

// State describes the client for a hand-over. Call it once its transport
// stopped calling Read and Write.
func (c *Client) State() ClientState {
	c.s.mu.Lock()
	size, has := c.size, c.hasSize
	c.s.mu.Unlock()
	c.flow.mu.Lock()
	defer c.flow.mu.Unlock()
	return ClientState{
		Session: c.s.name, ReadOnly: c.readOnly, Size: size, HasSize: has,
		Offset: c.off, Pending: append([]byte(nil), c.pending...), Lagging: c.lagging,
		ProbeState: int8(c.flow.state), Window: c.flow.window, Unanswered: c.flow.unanswered,
	}
}

// Resume attaches a client carried over an upgrade: it goes on from where
// it was, without a repaint.
func (s *Session) Resume(st ClientState) (*Client, error) {
	c, err := s.Attach(AttachOptions{ReadOnly: st.ReadOnly})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if st.HasSize && !st.ReadOnly {
		c.size, c.hasSize = st.Size.Clamp(), true
	}
	s.mu.Unlock()
	c.off = st.Offset
	c.sub.Consumed(c.off)
	c.pending = append([]byte(nil), st.Pending...)
	c.lagging = st.Lagging
	c.flow.mu.Lock()
	c.flow.state = probeState(st.ProbeState)
	if st.Window > 0 {
		c.flow.window = min(max(st.Window, minWindow), maxWindow)
	}
	c.flow.unanswered = st.Unanswered
	c.flow.mu.Unlock()
	return c, nil
}
