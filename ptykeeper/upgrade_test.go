package ptykeeper

import (
	"encoding/json"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	"golang.org/x/sys/unix"
)

// adoptDup adopts a dup of fd: in one process the old keeper's file and
// the new one's must not share a number.
func adoptDup(t *testing.T) func(int) (*os.File, error) {
	return func(fd int) (*os.File, error) {
		nfd, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
		if err != nil {
			return nil, err
		}
		if err := unix.SetNonblock(nfd, true); err != nil {
			return nil, err
		}
		return os.NewFile(uintptr(nfd), "/dev/ptmx"), nil
	}
}

// handOver freezes k, takes the state through JSON (what an upgrade
// writes), restores it into a new keeper in this process and releases k.
func handOver(t *testing.T, k *Keeper, o Options) *Keeper {
	t.Helper()
	f, err := k.Freeze()
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(f.Sessions)
	if err != nil {
		t.Fatal(err)
	}
	var states []SessionState
	if err := json.Unmarshal(data, &states); err != nil {
		t.Fatal(err)
	}
	k2, err := Restore(o, states, adoptDup(t))
	if err != nil {
		t.Fatal(err)
	}
	k.Release()
	for _, m := range f.Masters {
		m.Close() // the old keeper's copies
	}
	return k2
}

// Sessions handed over to a new keeper go on: same programs (same pid,
// still children: the exit status arrives), the same screen, history that
// continues, input typed before the hand-over delivered after it, a client
// carried over that continues without a repaint, supervisor state (restart
// counts, a pending backoff) kept.
func TestHandOverKeepsEverything(t *testing.T) {
	o := Options{}
	k := New(o)
	counter := addProg(t, k, "counter", "counter", "10ms")
	stall := addProg(t, k, "stall", "stall")
	crash := progSpec("crash", "exit", "3")
	crash.Restart, crash.BackoffMin, crash.BackoffMax, crash.StartSecs = RestartAlways, 3*time.Second, 3*time.Second, 0
	if _, err := k.Apply([]Spec{crash}); err != nil {
		t.Fatal(err)
	}
	waitSnapshot(t, counter, "count 5")
	waitSnapshot(t, stall, "stalled")
	cs, _ := k.Get("crash")
	if _, ok := cs.Wait(func(st State) bool { return st == Backoff }, wait); !ok {
		t.Fatal("crash not in backoff")
	}
	stall.Send([]byte("typed before"))
	v := answeringView(t, counter, AttachOptions{})
	v.waitText(t, "count")
	pids := map[string]int{"counter": counter.Status().Pid, "stall": stall.Status().Pid}
	restarts := cs.Status().Restarts
	v.c.Freeze()
	<-v.done
	cst := v.c.State()
	v.c.Release()
	histBefore := counter.hist.Len()

	k2 := handOver(t, k, o)
	t.Cleanup(func() { k2.Shutdown(t.Context()) })
	for name, pid := range pids {
		s, err := k2.Get(name)
		if err != nil || s.Status().Pid != pid || s.Status().State != Running {
			t.Fatalf("%s after the hand-over: %+v, want pid %d RUNNING", name, s.Status(), pid)
		}
	}
	c2, _ := k2.Get("counter")
	rc, err := c2.Resume(cst)
	if err != nil {
		t.Fatal(err)
	}
	before := lastCount(t, v)
	v2 := &view{c: rc, term: v.term, done: make(chan struct{})}
	go func() {
		defer close(v2.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := rc.Read(buf)
			v2.term.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(v2.close)
	if !testprog.WaitFor(wait, func() bool { return lastCount(t, v2) > before+5 }) {
		t.Fatalf("the carried client does not go on:\n%s", v2.term.Text())
	}
	if strings.Count(string(v2.term.Raw()), "\x1b[2J") != 1 {
		t.Fatal("the carried client got a repaint")
	}
	if c2.hist.Len() <= histBefore {
		t.Fatal("history did not go on")
	}
	s2, _ := k2.Get("stall")
	syscall.Kill(pids["stall"], syscall.SIGUSR1)
	waitSnapshot(t, s2, `tail "typed before"`)
	cs2, _ := k2.Get("crash")
	if st := cs2.Status(); st.State != Backoff || st.Restarts != restarts {
		t.Fatalf("crash after the hand-over: %+v, want BACKOFF with %d restarts", st, restarts)
	}
	if _, ok := cs2.Wait(func(st State) bool { return st == Starting || st == Running || st == Exited }, wait); !ok {
		t.Fatal("the pending backoff did not fire")
	}
	// Still our children: a stop collects the exit status.
	if err := s2.Stop(); err != nil {
		t.Fatal(err)
	}
	if st := s2.Status(); st.State != Stopped || st.LastExit == nil || st.LastExit.Signal != syscall.SIGTERM {
		t.Fatalf("stall after stop: %+v", st)
	}
}

// An upgrade abandoned: Thaw and everything goes on as before.
func TestFreezeThaw(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "cat", "cat")
	waitSnapshot(t, s, "cat>")
	v := attachView(t, s, AttachOptions{})
	f, err := k.Freeze()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != ErrUpgrading {
		t.Fatalf("start while frozen: %v", err)
	}
	if err := s.Send([]byte("during\r")); err != ErrUpgrading {
		t.Fatalf("send while frozen: %v", err)
	}
	k.Thaw(f)
	s.Send([]byte("after\r"))
	v.waitText(t, `got "after"`)
}
