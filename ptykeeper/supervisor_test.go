package ptykeeper

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

type transition struct {
	state State
	at    time.Time
}

// stateLog is a log handler that records every state transition the
// supervisor logs, as it happens: no transition is missed, however fast.
type stateLog struct {
	mu   sync.Mutex
	seen []transition
}

func (l *stateLog) Enabled(context.Context, slog.Level) bool { return true }
func (l *stateLog) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *stateLog) WithGroup(string) slog.Handler            { return l }
func (l *stateLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "state" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "to" {
			l.mu.Lock()
			l.seen = append(l.seen, transition{State(a.Value.String()), time.Now()})
			l.mu.Unlock()
		}
		return true
	})
	return nil
}

// get returns the states seen, starting with STOPPED (a new session's).
func (l *stateLog) get() []transition {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]transition{{state: Stopped}}, l.seen...)
}

func states(ts []transition) string {
	var b []string
	for _, t := range ts {
		b = append(b, string(t.state))
	}
	return strings.Join(b, " ")
}

// A program that exits at once goes through BACKOFF with growing delays and
// ends FATAL; it is never restarted in a tight loop.
func TestCrashingProgramBacksOffToFatal(t *testing.T) {
	rec := &stateLog{}
	k := newKeeper(t, Options{Logger: slog.New(rec)})
	sp := progSpec("crash", "exit", "1")
	sp.Restart, sp.StartSecs, sp.StartRetries = RestartAlways, time.Second, 3
	sp.Autostart = false
	s, err := k.Add(sp)
	if err != nil {
		t.Fatal(err)
	}
	get := rec.get
	s.Start()
	if st, ok := s.Wait(func(st State) bool { return st == Fatal }, 30*time.Second); !ok {
		t.Fatalf("ended %s, want FATAL; seen %s", st, states(get()))
	}
	seen := get()
	want := "STOPPED STARTING BACKOFF STARTING BACKOFF STARTING BACKOFF STARTING FATAL"
	if got := states(seen); got != want {
		t.Fatalf("states %s\nwant %s", got, want)
	}
	var delays []time.Duration
	for i, tr := range seen {
		if tr.state == Backoff {
			delays = append(delays, seen[i+1].at.Sub(tr.at))
		}
	}
	for i := range delays {
		if delays[i] < 900*time.Millisecond || (i > 0 && delays[i] <= delays[i-1]) {
			t.Fatalf("backoff delays %v: want at least 1s, growing", delays)
		}
	}
	if st := s.Status(); st.Failures != 4 || st.LastExit == nil || st.LastExit.Code != 1 {
		t.Fatalf("status %+v", st)
	}
	// Started by hand, it runs again.
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.State != Starting && st.State != Backoff {
		t.Fatalf("after a manual start: %s", st.State)
	}
}

func TestExitCodesDecideOnFailureRestart(t *testing.T) {
	k := newKeeper(t, Options{})
	for code, want := range map[string]State{"3": Exited, "4": Backoff} {
		sp := progSpec("ex"+code, "exit", code)
		sp.Restart, sp.ExitCodes, sp.StartSecs = RestartOnFailure, []int{0, 3}, 0
		s, err := k.Add(sp)
		if err != nil {
			t.Fatal(err)
		}
		if st, ok := s.Wait(func(st State) bool { return st == Exited || st == Backoff || st == Fatal }, wait); !ok || st != want {
			t.Errorf("exit %s with exitcodes [0,3]: %s, want %s", code, st, want)
		}
	}
}

// Stop: TERM is ignored by the program and by its grandchild in the same
// process group; after stopwait both are killed, and the session is STOPPED
// only once the child was reaped.
func TestStopKillsIgnoringProgramAndGrandchild(t *testing.T) {
	k := newKeeper(t, Options{})
	sp := progSpec("stubborn", "ignore", "child")
	sp.StopWait = 300 * time.Millisecond
	s, err := k.Add(sp)
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if !testprog.WaitFor(wait, func() bool {
		out = string(s.History(10))
		return strings.Contains(out, "ignoring TERM") && strings.Contains(out, "grandchild")
	}) {
		t.Fatalf("program output: %q", out)
	}
	var gpid int
	fmt.Sscanf(out[strings.Index(out, "grandchild"):], "grandchild %d", &gpid)
	pid := s.Status().Pid
	start := time.Now()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Fatalf("stopped after %v, before stopwait: TERM was ignored", d)
	}
	if st := s.Status(); st.State != Stopped || st.Pid != 0 {
		t.Fatalf("after stop: %+v", st)
	}
	for _, p := range []int{pid, gpid} {
		if !testprog.WaitFor(wait, func() bool { return !alive(p) }) {
			t.Fatalf("process %d survived the stop", p)
		}
	}
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

func TestRestartKeepsClientsAttached(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "echo", "echo")
	v := attachView(t, s, AttachOptions{})
	v.waitText(t, "ready")
	pid := s.Status().Pid
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if st := s.Status(); st.Pid == pid || st.Pid == 0 {
		t.Fatalf("restart: pid %d -> %d", pid, st.Pid)
	}
	v.c.Write([]byte("second-run"))
	v.waitText(t, "second-run")
	if s.Status().Clients != 1 {
		t.Fatal("client lost by restart")
	}
}

func TestApplyKeepsUnchangedRestartsChanged(t *testing.T) {
	k := newKeeper(t, Options{})
	a, b, c := progSpec("a", "counter", "1s"), progSpec("b", "counter", "1s"), progSpec("c", "counter", "1s")
	if _, err := k.Apply([]Spec{a, b, c}); err != nil { // the config at start
		t.Fatal(err)
	}
	pid := func(n string) int { s, _ := k.Get(n); return s.Status().Pid }
	pa, pb := pid("a"), pid("b")
	b2 := progSpec("b", "counter", "2s")
	d := progSpec("d", "counter", "1s")
	ch, err := k.Apply([]Spec{a, b2, d})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(ch.Unchanged, ch.Changed, ch.Removed, ch.Added) != "[a] [b] [c] [d]" {
		t.Fatalf("changes %+v", ch)
	}
	if pid("a") != pa {
		t.Fatal("unchanged session was restarted")
	}
	if p := pid("b"); p == pb || p == 0 {
		t.Fatal("changed session not restarted")
	}
	if _, err := k.Get("c"); err == nil {
		t.Fatal("removed session still there")
	}
	if pid("d") == 0 {
		t.Fatal("new session not started")
	}
	// A bad spec changes nothing.
	if _, err := k.Apply([]Spec{{Name: "x/y", Command: []string{"true"}}}); err == nil || pid("a") != pa {
		t.Fatalf("invalid apply: %v", err)
	}
}

func TestPrivilegeDrop(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := exec.LookPath("id"); err != nil {
		t.Skip("no id(1)")
	}
	k := newKeeper(t, Options{})
	s, err := k.Add(Spec{Name: "who", Command: []string{"sh", "-c", "id; exec sleep 60"}, User: "nobody", Autostart: true})
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if !testprog.WaitFor(wait, func() bool { out = string(s.History(10)); return strings.Contains(out, "uid=") }) {
		t.Fatalf("output %q", out)
	}
	if !strings.Contains(out, "uid=65534(nobody)") || strings.Contains(out, "(root)") {
		t.Fatalf("not dropped to nobody without root's groups: %q", out)
	}
}

// umask and RLIMIT_NOFILE are applied by our exec helper between fork and
// exec. (Without nofile, os/exec gives the program the soft limit the daemon
// started with, not the one the Go runtime raised.)
func TestUmaskAndNofile(t *testing.T) {
	k := newKeeper(t, Options{})
	s, err := k.Add(Spec{Name: "lim", Command: []string{"sh", "-c", "umask; ulimit -n; exec sleep 60"}, Umask: "027", NoFile: 123, Autostart: true})
	if err != nil {
		t.Fatal(err)
	}
	var out string
	if !testprog.WaitFor(wait, func() bool { out = string(s.History(10)); return strings.Contains(out, "123") }) {
		t.Fatalf("output %q", out)
	}
	if !strings.Contains(out, "0027\n") {
		t.Fatalf("umask not applied: %q", out)
	}
}
