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

	exited chan struct{} // closed when the child is reaped; status is set
	status ExitStatus
	pumped chan struct{} // closed when the pump saw the end of output
	done   chan struct{} // closed when exited and drained; master closed

	// stopping is set when the supervisor stops the run: when the child
	// has died, whatever is left of its process group is killed.
	stopping atomic.Bool

	sigMu  sync.Mutex // guards reaped; held while signalling the group
	reaped bool       // the child was reaped: its pid may belong to another process
}

// errReaped is returned when signalling a run whose child was reaped.
var errReaped = errors.New("program already reaped")

// outputTo is where a run's pump delivers the program's output (a
// Session's output path); it must never block for long.
type outputTo interface {
	output(p []byte)
	outputEnded()
}

// startRun spawns spec and starts draining it into out. onDone runs once the
// run is done.
func startRun(spec Spec, sz Size, out outputTo, log *slog.Logger, onDone func(*run)) (*run, error) {
	r := &run{
		spec:    spec,
		started: time.Now(),
		exited:  make(chan struct{}),
		pumped:  make(chan struct{}),
		done:    make(chan struct{}),
	}
	proc, err := spawn(spec, sz, reapHooks{beforeReap: r.beforeReap, onExit: func(st ExitStatus) {
		r.sigMu.Lock()
		r.reaped = true
		r.sigMu.Unlock()
		r.status = st
		close(r.exited)
	}})
	if err != nil {
		return nil, err
	}
	r.proc = proc
	r.input = newInputQueue(proc.master, func(err error) { log.Debug("resize", "err", err) })
	go r.pump(out)
	go func() {
		<-r.exited
		r.input.close() // nobody reads input any more; stop writing before the close
		select {
		case <-r.pumped:
		case <-time.After(drainWait):
			r.proc.master.Close() // unblocks the pump
			<-r.pumped
		}
		r.proc.master.Close()
		close(r.done)
		onDone(r)
	}()
	return r, nil
}

// pump is the only reader of the PTY master. It never waits for anybody:
// the output path takes every byte at once.
func (r *run) pump(out outputTo) {
	defer close(r.pumped)
	defer out.outputEnded()
	buf := make([]byte, pumpBufSize)
	for {
		n, err := r.proc.master.Read(buf)
		if n > 0 {
			out.output(buf[:n])
		}
		if err != nil {
			// EIO: no process has the slave open any more. Any other error
			// (closed by the drain bound) also ends the output.
			return
		}
	}
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
