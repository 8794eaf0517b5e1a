// supervisor.go is the per-session state machine, one goroutine per session,
// the only code that starts, signals and forgets runs.
//
//	STOPPED/EXITED/FATAL --start--> STARTING --startsecs--> RUNNING
//	STARTING --died--> BACKOFF (or FATAL after startretries quick failures)
//	RUNNING  --died--> BACKOFF if the restart policy says so, else EXITED
//	BACKOFF  --delay--> STARTING
//	any live --stop--> STOPPING --reaped--> STOPPED
//	STOPPING --stopwait--> SIGKILL to the group, still STOPPING until reaped
//
// Every automatic restart waits in BACKOFF for at least BackoffMin (1 s):
// never a tight loop, also with startsecs = 0. The delay doubles per restart
// up to BackoffMax and starts over once a run lived BackoffMax or longer.

package ptykeeper

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

type eventKind int

const (
	evStart eventKind = iota
	evStop
	evRestart
	evRemove
	evSpec
	evRunDone
	evFreeze  // an upgrade begins: stop every timer, change nothing
	evThaw    // the upgrade was abandoned: go on
	evRelease // the upgrade succeeded in this process: end, touch nothing
)

// ErrUpgrading is the answer to a request while an upgrade is under way.
var ErrUpgrading = errors.New("the daemon is being upgraded; try again in a moment")

// errBusy refuses a freeze while a stop is under way.
var errBusy = errors.New("a stop is under way")

type event struct {
	kind  eventKind
	run   *run
	spec  Spec
	reply chan error // nil: nobody waits
}

// supervisor holds the state machine's goroutine-local state.
type supervisor struct {
	s          *Session
	timer      *time.Timer
	waiters    []chan error // replied when the pending stop completes
	startAfter bool         // start again when the pending stop completes
	remove     bool         // remove the session when the pending stop completes
	exit       bool         // the session is removed: end the goroutine
	frozen     bool         // an upgrade is handing the session over: change nothing
	released   bool         // handed over: end without touching anything
}

func (s *Session) supervise() {
	defer s.wg.Done()
	sv := &supervisor{s: s, timer: time.NewTimer(time.Hour)}
	sv.timer.Stop()
	sv.rearm() // a restored session may be STARTING or in BACKOFF
	for !sv.exit {
		select {
		case ev := <-s.events:
			sv.handle(ev)
		case <-sv.timer.C:
			sv.timeout()
		}
	}
	sv.timer.Stop()
	if sv.released {
		return
	}
	s.finishOutput()
	close(s.done)
}

// request sends an event to the supervisor and waits for its answer.
func (s *Session) request(kind eventKind, spec Spec) error {
	reply := make(chan error, 1)
	select {
	case s.events <- event{kind: kind, spec: spec, reply: reply}:
	case <-s.quit:
		return ErrRemoved
	}
	select {
	case err := <-reply:
		return err
	case <-s.quit:
		return ErrRemoved
	}
}

// Start starts the program if it is down (also from FATAL), and returns the
// error of the spawn if it failed.
func (s *Session) Start() error { return s.request(evStart, Spec{}) }

// Stop stops the program (stop signal, grace period, SIGKILL) and returns
// once it has been reaped. The session stays, STOPPED.
func (s *Session) Stop() error { return s.request(evStop, Spec{}) }

// Restart stops the program if it runs and starts it again.
func (s *Session) Restart() error { return s.request(evRestart, Spec{}) }

// setSpec replaces the session's settings; a live program is restarted.
func (s *Session) setSpec(spec Spec) error { return s.request(evSpec, spec) }

// remove stops the program and removes the session.
func (s *Session) remove() error { return s.request(evRemove, Spec{}) }

func reply(c chan error, err error) {
	if c != nil {
		c <- err
	}
}

func (sv *supervisor) state() State {
	sv.s.mu.Lock()
	defer sv.s.mu.Unlock()
	return sv.s.state
}

func (sv *supervisor) setState(st State) {
	s := sv.s
	s.mu.Lock()
	old := s.state
	s.state = st
	s.notifyLocked()
	s.mu.Unlock()
	if old != st {
		s.log.Info("state", "from", string(old), "to", string(st))
	}
}

func (sv *supervisor) arm(d time.Duration) {
	sv.timer.Stop()
	select {
	case <-sv.timer.C:
	default:
	}
	sv.timer.Reset(d)
}

func (sv *supervisor) handle(ev event) {
	s := sv.s
	if sv.frozen {
		switch ev.kind {
		case evThaw:
			sv.frozen = false
			sv.rearm()
			reply(ev.reply, nil)
		case evRelease:
			sv.exit, sv.released = true, true
			reply(ev.reply, nil)
		case evRunDone: // cannot come: the reaper is paused
			sv.runDone(ev.run)
		default:
			reply(ev.reply, ErrUpgrading)
		}
		return
	}
	switch ev.kind {
	case evFreeze:
		if sv.state() == Stopping || len(sv.waiters) > 0 || sv.startAfter {
			reply(ev.reply, errBusy)
			return
		}
		sv.timer.Stop()
		sv.frozen = true
		reply(ev.reply, nil)
	case evThaw, evRelease:
		reply(ev.reply, nil)
	case evRunDone:
		sv.runDone(ev.run)
	case evStart:
		switch st := sv.state(); {
		case st.Down() || st == Backoff:
			s.mu.Lock()
			s.failures, s.restarts = 0, 0
			s.mu.Unlock()
			reply(ev.reply, sv.spawn())
		case st == Stopping:
			sv.startAfter = true
			reply(ev.reply, nil)
		default:
			reply(ev.reply, nil)
		}
	case evStop:
		sv.startAfter = false
		sv.stop(ev.reply)
	case evRestart:
		if st := sv.state(); st.Down() || st == Backoff {
			reply(ev.reply, sv.spawn())
			return
		}
		sv.startAfter = true
		sv.stop(ev.reply)
	case evSpec:
		s.mu.Lock()
		old := s.spec
		s.spec = ev.spec
		if ev.spec.Size != old.Size && len(s.clients) == 0 {
			// The size a session has while nobody is attached.
			s.setSizeLocked(ev.spec.Size)
		}
		if sameExceptSize(old, ev.spec) {
			// A new size alone needs no restart: the program got SIGWINCH.
			s.mu.Unlock()
			reply(ev.reply, nil)
			return
		}
		s.failures, s.restarts = 0, 0
		s.mu.Unlock()
		if st := sv.state(); st == Starting || st == Running || st == Backoff || st == Stopping {
			sv.startAfter = true
			sv.stop(ev.reply)
			return
		}
		if ev.spec.Autostart && sv.state() != Stopped {
			// EXITED or FATAL with a new spec: the fix may be in it.
			reply(ev.reply, sv.spawn())
			return
		}
		reply(ev.reply, nil)
	case evRemove:
		sv.remove = true
		sv.startAfter = false
		sv.stop(ev.reply)
	}
}

// stop begins stopping; rep is answered when the program is reaped. The
// program is stopped the way the spec it was started with says, whatever
// the session's spec is now.
func (sv *supervisor) stop(rep chan error) {
	s := sv.s
	s.mu.Lock()
	r := s.run
	s.mu.Unlock()
	if r == nil {
		sv.timer.Stop()
		if !sv.state().Down() && !sv.startAfter {
			sv.setState(Stopped)
		}
		sv.stopped()
		reply(rep, nil)
		return
	}
	sv.waiters = append(sv.waiters, rep)
	if sv.state() == Stopping {
		return
	}
	sv.setState(Stopping)
	r.stopping.Store(true)
	s.log.Info("stopping", "pid", r.proc.pid, "signal", unix.SignalName(r.spec.StopSignal))
	r.signalGroup(r.spec.StopSignal)
	r.signalGroup(unix.SIGCONT) // a stopped program cannot act on the signal
	sv.arm(r.spec.StopWait)
}

// stopped finishes a completed stop: answer waiters, then start again or
// remove as asked.
func (sv *supervisor) stopped() {
	var err error
	if sv.startAfter {
		sv.startAfter = false
		err = sv.spawn()
	}
	for _, w := range sv.waiters {
		reply(w, err)
	}
	sv.waiters = nil
	if sv.remove {
		sv.s.finishRemove()
		sv.exit = true
	}
}

func (sv *supervisor) timeout() {
	s := sv.s
	switch sv.state() {
	case Starting:
		s.mu.Lock()
		s.failures = 0
		s.mu.Unlock()
		sv.setState(Running)
	case Backoff:
		sv.spawn()
	case Stopping:
		s.mu.Lock()
		r := s.run
		s.mu.Unlock()
		if r != nil {
			s.log.Warn("stop timed out, killing the process group", "pid", r.proc.pid)
			r.signalGroup(unix.SIGKILL)
		}
	}
}

// spawn starts a new run. A failure to start counts as a quick failure.
func (sv *supervisor) spawn() error {
	s := sv.s
	s.mu.Lock()
	spec, size := s.spec, s.size
	s.mu.Unlock()
	s.mu.Lock()
	hadRun := s.hadRun
	s.mu.Unlock()
	if hadRun {
		// A new run starts on a clean terminal, whatever the last one left
		// on (alternate screen, mouse reporting, ...).
		s.output([]byte(TerminalReset + "\r\n"))
	}
	r, err := startRun(spec, size, s, s.log, func(r *run) {
		s.events <- event{kind: evRunDone, run: r}
	})
	if err != nil {
		s.log.Error("start failed", "err", err)
		s.mu.Lock()
		s.startErr = err
		s.mu.Unlock()
		sv.afterFailure(true, nil)
		return err
	}
	s.mu.Lock()
	s.hadRun = true
	s.run = r
	s.startErr = nil
	s.lastStart = r.started
	s.mu.Unlock()
	s.log.Info("started", "pid", r.proc.pid, "command", spec.Command)
	if spec.StartSecs > 0 {
		sv.setState(Starting)
		sv.arm(spec.StartSecs)
	} else {
		sv.timer.Stop()
		sv.setState(Running)
	}
	return nil
}

func (sv *supervisor) runDone(r *run) {
	s := sv.s
	s.mu.Lock()
	if s.run != r {
		s.mu.Unlock()
		return
	}
	s.run = nil
	st := r.status
	s.lastExit = &st
	s.endOff = s.ring.Head()
	spec := s.spec
	state := s.state
	s.mu.Unlock()
	s.log.Info("exited", "pid", r.proc.pid, "status", st.String())

	if state == Stopping {
		sv.timer.Stop()
		if !sv.startAfter {
			// A restart goes from STOPPING straight to STARTING: attached
			// clients must not see the session down in between.
			sv.setState(Stopped)
		}
		sv.stopped()
		return
	}
	quick := state == Starting
	switch {
	case spec.Restart == RestartNever,
		spec.Restart == RestartOnFailure && !st.Failed(spec.ExitCodes):
		sv.timer.Stop()
		sv.setState(Exited)
	default:
		ranLong := time.Since(r.started) >= spec.BackoffMax
		if ranLong {
			s.mu.Lock()
			s.restarts = 0
			s.mu.Unlock()
		}
		sv.afterFailure(quick, &st)
	}
}

// afterFailure moves to BACKOFF, or FATAL when quick failures ran out, or
// EXITED for a session that never restarts.
func (sv *supervisor) afterFailure(quick bool, st *ExitStatus) {
	s := sv.s
	s.mu.Lock()
	spec := s.spec
	if quick {
		s.failures++
	}
	fatal := quick && spec.StartRetries >= 0 && s.failures > spec.StartRetries
	s.restarts++
	delay := backoffDelay(spec, s.restarts)
	s.nextStart = time.Now().Add(delay)
	s.endOff = s.ring.Head()
	s.mu.Unlock()
	switch {
	case spec.Restart == RestartNever && st == nil:
		sv.setState(Exited)
	case fatal:
		sv.timer.Stop()
		sv.setState(Fatal)
	default:
		what := "could not start"
		if st != nil {
			what = st.String()
		}
		s.output(fmt.Appendf(nil, "\r\n[ptykeeper: %s %s, restarting in %s]\r\n", s.name, what, delay.Round(time.Millisecond)))
		sv.setState(Backoff)
		sv.arm(delay)
	}
}

// rearm sets the timer the state needs (after a thaw, or in a restored
// session): STARTING becomes RUNNING startsecs after the start, BACKOFF
// starts again at nextStart.
func (sv *supervisor) rearm() {
	s := sv.s
	s.mu.Lock()
	st, next := s.state, s.nextStart
	var started time.Time
	if s.run != nil {
		started = s.run.started
	}
	startSecs := s.spec.StartSecs
	s.mu.Unlock()
	switch st {
	case Starting:
		sv.arm(max(time.Until(started.Add(startSecs)), 0))
	case Backoff:
		sv.arm(max(time.Until(next), 0))
	}
}

// backoffDelay is BackoffMin doubled per restart in a row, capped.
func backoffDelay(spec Spec, restarts int) time.Duration {
	d := spec.BackoffMin
	for i := 1; i < restarts && d < spec.BackoffMax; i++ {
		d *= 2
	}
	return min(max(d, time.Second, spec.BackoffMin), spec.BackoffMax)
}

// finishRemove detaches every client and stops the session's goroutines
// other than the supervisor, which ends after this.
func (s *Session) finishRemove() {
	s.mu.Lock()
	s.removed = true
	for c := range s.clients {
		c.detach(ErrRemoved)
	}
	s.notifyLocked()
	s.mu.Unlock()
	close(s.quit)
}
