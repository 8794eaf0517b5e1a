// reaper.go collects the exit status of every program we start.
//
// Two modes, never mixed in one process:
//   - per child (the default, and what tests use): one goroutine waits for
//     exactly its pid, so other code in the process may run commands too;
//   - subreaper (the daemon): the process adopts orphaned grandchildren, and
//     a single loop reaps every child with wait4(-1) on SIGCHLD and dispatches
//     by pid. A second waiter beside it would steal statuses, so in this mode
//     nothing else in the process may wait for children.

package ptykeeper

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

type reaperState struct {
	mu        sync.Mutex // held across start so a fast exit is never missed
	subreaper bool
	waiting   map[int]func(ExitStatus)
}

var reaper = &reaperState{waiting: map[int]func(ExitStatus){}}

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

func (r *reaperState) reapAll() {
	type done struct {
		f  func(ExitStatus)
		st ExitStatus
	}
	var ready []done
	r.mu.Lock()
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			break
		}
		if !ws.Exited() && !ws.Signaled() {
			continue
		}
		if f, ok := r.waiting[pid]; ok { // else an adopted orphan: reaped, done
			delete(r.waiting, pid)
			ready = append(ready, done{f, statusFromWait(ws)})
		}
	}
	r.mu.Unlock()
	for _, d := range ready {
		d.f(d.st)
	}
}

// start starts cmd and arranges for onExit to run once with its status.
func (r *reaperState) start(cmd *exec.Cmd, onExit func(ExitStatus)) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	closeOnExec()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	pid := cmd.Process.Pid
	// We wait by pid ourselves; drop os.Process's pidfd so it cannot leak.
	cmd.Process.Release()
	if r.subreaper {
		r.waiting[pid] = onExit
		return pid, nil
	}
	go func() {
		var ws unix.WaitStatus
		for {
			_, err := unix.Wait4(pid, &ws, 0, nil)
			if err == unix.EINTR {
				continue
			}
			if err != nil {
				onExit(ExitStatus{Code: -1})
				return
			}
			if ws.Exited() || ws.Signaled() {
				onExit(statusFromWait(ws))
				return
			}
		}
	}()
	return pid, nil
}

// closeOnExec marks every fd above 2 close-on-exec, so a program gets only
// its terminal: fds the daemon inherited without the flag (from a service
// manager, a shell, a test harness) must not reach it. Go's own fds have the
// flag already.
func closeOnExec() {
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
