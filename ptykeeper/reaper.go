// reaper.go collects the exit status of every program we start.
//
// Two modes, never mixed in one process:
//   - per child (the default, and what tests use): one goroutine waits for
//     exactly its pid, so other code in the process may run commands too;
//   - subreaper (the daemon): the process adopts orphaned grandchildren, and
//     a single loop reaps every child on SIGCHLD and dispatches by pid. A
//     second waiter beside it would steal statuses, so in this mode nothing
//     else in the process may wait for children.
//
// Either way a child is first seen dead without being reaped (waitid with
// WNOWAIT): while it is a zombie its pid, and so its process group id,
// cannot be given to another process. The beforeReap hook runs then, so a
// stop can still SIGKILL what is left of the program's process group
// without any risk of signalling a stranger; then the zombie is reaped.

package ptykeeper

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

type reapHooks struct {
	beforeReap func() // the child is dead but not reaped: its pid is still ours
	onExit     func(ExitStatus)
	helper     bool // not a session's program: reaped even while paused
}

type reaperState struct {
	mu        sync.Mutex // held across start so a fast exit is never missed
	subreaper bool
	// waiting holds the hooks of every child we started or adopted, by
	// pid; the pointer is the owner's identity (an upgrade in one process
	// moves a child from one owner to another).
	waiting map[int]*reapHooks
	// While paused (an upgrade hands the programs over), nothing is reaped:
	// a program that exits stays a zombie, so the new owner still gets its
	// status.
	paused  bool
	resumed sync.Cond // broadcast when paused ends or an owner changes
}

var reaper = newReaper()

func newReaper() *reaperState {
	r := &reaperState{waiting: map[int]*reapHooks{}}
	r.resumed.L = &r.mu
	return r
}

// pause stops reaping until resume.
func (r *reaperState) pause() {
	r.mu.Lock()
	r.paused = true
	r.mu.Unlock()
}

// resume reaps again, including what died while paused.
func (r *reaperState) resume() {
	r.mu.Lock()
	r.paused = false
	r.resumed.Broadcast()
	sub := r.subreaper
	r.mu.Unlock()
	if sub {
		r.reapAll()
	}
}

// release gives up h's claim on pid (its owner handed it over): h's hooks
// will not run.
func (r *reaperState) release(pid int, h *reapHooks) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.waiting[pid] == h {
		delete(r.waiting, pid)
	}
	r.resumed.Broadcast()
}

// adopt takes over a child started by another owner (an earlier image of
// this daemon, or another keeper in this process): h's hooks run when it
// exits, as for one started here.
func (r *reaperState) adopt(pid int, h *reapHooks) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.waiting[pid] = h
	r.resumed.Broadcast()
	if !r.subreaper {
		go r.wait(pid, h)
	}
}

// EnableSubreaper makes this process the reaper of orphaned descendants and
// starts the single reaping loop. Call it once, before starting any session.
func EnableSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become subreaper: %w", err)
	}
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, unix.SIGCHLD)
	reaper.mu.Lock()
	reaper.subreaper = true
	reaper.mu.Unlock()
	go func() {
		for range sigc {
			reaper.reapAll()
		}
	}()
	reaper.reapAll() // anything that exited before Notify
	return nil
}

// siginfo is the part of Linux's siginfo_t that waitid fills for a child:
// x/sys/unix's Siginfo keeps the pid in an unexported union.
type siginfo struct {
	signo, errno, code int32
	_                  int32
	pid                int32
	uid                uint32
	status             int32
	_                  [128 - 28]byte
}

// waitDead waits (or with WNOHANG, looks) for a child that has exited, by
// pid or any (pid -1), without reaping it. It returns 0 if there is none.
func waitDead(pid int, options int) (int, error) {
	var si siginfo
	idtype, id := unix.P_PID, pid
	if pid < 0 {
		idtype, id = unix.P_ALL, 0
	}
	for {
		_, _, e := unix.Syscall6(unix.SYS_WAITID, uintptr(idtype), uintptr(id), uintptr(unsafe.Pointer(&si)), uintptr(unix.WEXITED|unix.WNOWAIT|options), 0, 0)
		if e == unix.EINTR {
			continue
		}
		if e != 0 {
			return 0, e
		}
		return int(si.pid), nil
	}
}

// reap collects a dead child's status.
func reap(pid int) ExitStatus {
	var ws unix.WaitStatus
	for {
		_, err := unix.Wait4(pid, &ws, 0, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ExitStatus{Code: -1}
		}
		return statusFromWait(ws)
	}
}

func (r *reaperState) reapAll() {
	type done struct {
		f  func(ExitStatus)
		st ExitStatus
	}
	var ready []done
	r.mu.Lock()
	if r.paused {
		// Only helpers (the dry run of an upgrade) are reaped now; a
		// program that died stays a zombie for its next owner.
		for pid, h := range r.waiting {
			if h.helper {
				if dead, err := waitDead(pid, unix.WNOHANG); err == nil && dead == pid {
					delete(r.waiting, pid)
					ready = append(ready, done{h.onExit, reap(pid)})
				}
			}
		}
	}
	for !r.paused {
		pid, err := waitDead(-1, unix.WNOHANG)
		if err != nil || pid <= 0 {
			break
		}
		h := r.waiting[pid]
		if h != nil {
			delete(r.waiting, pid)
			h.beforeReap()
		}
		st := reap(pid)
		if h != nil { // else an adopted orphan: reaped, done
			ready = append(ready, done{h.onExit, st})
		}
	}
	r.mu.Unlock()
	for _, d := range ready {
		d.f(d.st)
	}
}

// start starts cmd and arranges for h.beforeReap and then h.onExit to run
// once when it exits.
func (r *reaperState) start(cmd *exec.Cmd, h *reapHooks) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	closeOnExec()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	// We wait by pid ourselves; drop os.Process's pidfd so it cannot leak.
	cmd.Process.Release()
	r.waiting[pid] = h
	if !r.subreaper {
		go r.wait(pid, h)
	}
	return pid, nil
}

// wait is the per-child waiter of owner h.
func (r *reaperState) wait(pid int, h *reapHooks) {
	_, err := waitDead(pid, 0)
	r.mu.Lock()
	for r.paused && r.waiting[pid] == h && !h.helper {
		r.resumed.Wait()
	}
	if r.waiting[pid] != h {
		r.mu.Unlock()
		return // handed over: its new owner reaps it
	}
	delete(r.waiting, pid)
	r.mu.Unlock()
	if err != nil {
		// Not ours to wait for after all (reaped elsewhere): without a
		// zombie the pid is not safe to signal, so no beforeReap.
		h.onExit(ExitStatus{Code: -1})
		return
	}
	h.beforeReap()
	h.onExit(reap(pid))
}

// StartHelper starts cmd, a helper process rather than a session's
// program (an upgrade's dry run), through the reaper, and returns how to
// wait for it: the exit code, or -1 and how it ended. In the daemon, where
// one loop reaps every child, exec.Cmd.Wait must not be used.
func StartHelper(cmd *exec.Cmd) (wait func() (int, error), err error) {
	exited := make(chan ExitStatus, 1)
	h := &reapHooks{beforeReap: func() {}, onExit: func(st ExitStatus) { exited <- st }, helper: true}
	if _, err := reaper.start(cmd, h); err != nil {
		return nil, err
	}
	return func() (int, error) {
		st := <-exited
		if st.Signal != 0 {
			return -1, errors.New(st.String())
		}
		return st.Code, nil
	}, nil
}

// closeOnExec marks every fd above 2 close-on-exec, so a program gets only
// its terminal: fds the daemon inherited without the flag (from a service
// manager, a shell, a test harness) must not reach it. Go's own fds have the
// flag already.
func closeOnExec() {
	// Under ForkLock: an upgrade clears the flag on the fds it hands over
	// (ptykeeper/handover.Exec holds the lock) and must not race this.
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	if unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC) == nil {
		return
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd > 2 {
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC)
		}
	}
}
