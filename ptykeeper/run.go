// run.go is one incarnation of a session's program: spawn, pump, wait.
//
// A run is done only when both halves are: the child has been reaped (its
// wait status is the truth about exit, not EIO and not a signal) and the
// pump has seen the end of output. Grandchildren can hold the PTY slave open
// after the child died, so the drain after exit is bounded: past drainWait,
// the master is closed and whatever they write is lost.

package ptykeeper

import (
	"errors"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// drainWait bounds how long output is drained after the child exited.
const drainWait = 500 * time.Millisecond

// pumpBufSize is the PTY read size: the kernel hands out at most 4 KiB per
// read on most systems, more under load.
const pumpBufSize = 32 << 10

type run struct {
	proc    *process
	input   *inputQueue // the only writer of proc.master
	spec    Spec        // what it was started with: it is stopped the same way
	started time.Time
	out     outputTo
	log     *slog.Logger
	onDone  func(*run)

	exited chan struct{} // closed when the child is reaped; status is set
	status ExitStatus
	pumped chan struct{} // closed when the pump saw the end of output
	done   chan struct{} // closed when exited and drained; master closed

	// stopping is set when the supervisor stops the run: when the child
	// has died, whatever is left of its process group is killed.
	stopping atomic.Bool

	sigMu  sync.Mutex // guards reaped; held while signalling the group
	reaped bool       // the child was reaped: its pid may belong to another process

	// A freeze (an upgrade) stops the pump between two reads and the input
	// owner between two writes; the master stays open.
	frozen     atomic.Bool
	pumpFrozen chan struct{} // closed when the pump stopped for a freeze
	released   chan struct{} // closed when the run went to a new owner

	reap *reapHooks // its claim with the reaper
}

// errReaped is returned when signalling a run whose child was reaped.
var errReaped = errors.New("program already reaped")

// outputTo is where a run's pump delivers the program's output (a
// Session's output path); it must never block for long.
type outputTo interface {
	output(p []byte)
	outputEnded()
}

func newRun(spec Spec, started time.Time, out outputTo, log *slog.Logger, onDone func(*run)) *run {
	return &run{
		spec: spec, started: started, out: out, log: log, onDone: onDone,
		exited:     make(chan struct{}),
		pumped:     make(chan struct{}),
		done:       make(chan struct{}),
		pumpFrozen: make(chan struct{}),
		released:   make(chan struct{}),
	}
}

func (r *run) hooks() *reapHooks {
	r.reap = &reapHooks{beforeReap: r.beforeReap, onExit: func(st ExitStatus) {
		r.sigMu.Lock()
		r.reaped = true
		r.sigMu.Unlock()
		r.status = st
		close(r.exited)
	}}
	return r.reap
}

// startRun spawns spec and starts draining it into out. onDone runs once the
// run is done.
func startRun(spec Spec, sz Size, out outputTo, log *slog.Logger, onDone func(*run)) (*run, error) {
	r := newRun(spec, time.Now(), out, log, onDone)
	proc, err := spawn(spec, sz, r.hooks())
	if err != nil {
		return nil, err
	}
	r.proc = proc
	r.begin(nil)
	return r, nil
}

// adoptRun takes over a program an earlier owner started (an upgrade): pid
// is still our child, master its PTY; input is what it had not read yet.
func adoptRun(spec Spec, started time.Time, pid int, master *os.File, input []byte, out outputTo, log *slog.Logger, onDone func(*run)) *run {
	r := newRun(spec, started, out, log, onDone)
	r.proc = &process{master: master, pid: pid}
	reaper.adopt(pid, r.hooks())
	r.begin(input)
	return r
}

// begin starts the input owner (with input queued first), the pump and the
// watcher.
func (r *run) begin(input []byte) {
	r.startInput(input)
	go r.pump()
	go r.watch()
}

func (r *run) startInput(input []byte) {
	r.input = newInputQueue(r.proc.master, func(err error) { r.log.Debug("resize", "err", err) })
	if len(input) > 0 {
		r.input.write(newInputSource(nil), input, false, nil)
	}
}

// watch finishes the run once the child exited: input stops, output is
// drained (bounded), the master is closed, onDone runs.
func (r *run) watch() {
	select {
	case <-r.exited:
	case <-r.released:
		return
	}
	r.input.close() // nobody reads input any more; stop writing before the close
	select {
	case <-r.pumped:
	case <-time.After(drainWait):
		r.proc.master.Close() // unblocks the pump
		<-r.pumped
	}
	r.proc.master.Close()
	close(r.done)
	r.onDone(r)
}

// pump is the only reader of the PTY master. It never waits for anybody:
// the output path takes every byte at once.
func (r *run) pump() {
	buf := make([]byte, pumpBufSize)
	for {
		n, err := r.proc.master.Read(buf)
		if n > 0 {
			r.out.output(buf[:n])
		}
		if err != nil {
			if r.frozen.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
				close(r.pumpFrozen)
				return
			}
			// EIO: no process has the slave open any more. Any other error
			// (closed by the drain bound) also ends the output.
			r.out.outputEnded()
			close(r.pumped)
			return
		}
	}
}

// freeze stops the pump between two reads and the input owner between two
// writes, and returns the input the program has not read yet. The program
// runs on; what it writes meanwhile waits in the PTY.
func (r *run) freeze() (input []byte) {
	r.frozen.Store(true)
	r.proc.master.SetReadDeadline(time.Unix(1, 0))
	select {
	case <-r.pumpFrozen:
	case <-r.pumped: // its output had ended already
	}
	return r.input.take()
}

// thaw undoes freeze (an upgrade abandoned).
func (r *run) thaw(input []byte) {
	r.frozen.Store(false)
	r.proc.master.SetReadDeadline(time.Time{})
	r.startInput(input)
	select {
	case <-r.pumped:
	default:
		r.pumpFrozen = make(chan struct{})
		go r.pump()
	}
}

// release gives a frozen run to a new owner in this same process (tests):
// the watcher ends, the master stays open, the child is not reaped here.
func (r *run) release() {
	reaper.release(r.proc.pid, r.reap)
	close(r.released)
}

// beforeReap runs when the child has died but is not reaped yet, so its pid
// still names its process group and no other process: a stopped run's
// leftovers (grandchildren in the group) are killed now.
func (r *run) beforeReap() {
	r.sigMu.Lock()
	defer r.sigMu.Unlock()
	if r.stopping.Load() {
		unix.Kill(-r.proc.pid, unix.SIGKILL)
	}
	r.reaped = true
}

// signalGroup sends sig to the run's process group (the child is a session
// leader, so its pid is the group id), unless the child was reaped: then
// that number may belong to somebody else.
func (r *run) signalGroup(sig unix.Signal) error {
	r.sigMu.Lock()
	defer r.sigMu.Unlock()
	if r.reaped {
		return errReaped
	}
	return unix.Kill(-r.proc.pid, sig)
}
