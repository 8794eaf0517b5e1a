package ptykeeper

import (
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

// A reload leaves sessions made with `new` alone, unless the config names
// them: then the config owns them, and a later config without them
// removes them.
func TestApplyKeepsSessionsMadeWithNew(t *testing.T) {
	k := newKeeper(t, Options{})
	cfg := []Spec{progSpec("conf", "counter")}
	if _, err := k.Apply(cfg); err != nil {
		t.Fatal(err)
	}
	extra := addProg(t, k, "extra", "counter")
	pid := extra.Status().Pid
	ch, err := k.Apply(cfg)
	if err != nil || len(ch.Removed) != 0 {
		t.Fatalf("reload: %+v %v", ch, err)
	}
	if s, err := k.Get("extra"); err != nil || s.Status().Pid != pid {
		t.Fatalf("reload touched a session made with new: %v", err)
	}
	// Named by the config: taken over (same spec: untouched) ...
	if ch, err := k.Apply(append(cfg, extra.Spec())); err != nil || len(ch.Unchanged) != 2 {
		t.Fatalf("reload naming it: %+v %v", ch, err)
	}
	// ... and removed when the config drops it.
	if ch, err := k.Apply(cfg); err != nil || strings.Join(ch.Removed, ",") != "extra" {
		t.Fatalf("reload dropping it: %+v %v", ch, err)
	}
}

// A new size alone resizes the PTY (SIGWINCH) without a restart.
func TestApplySizeOnly(t *testing.T) {
	k := newKeeper(t, Options{})
	sp := progSpec("ws", "winsize")
	if _, err := k.Apply([]Spec{sp}); err != nil {
		t.Fatal(err)
	}
	s, _ := k.Get("ws")
	waitSnapshot(t, s, "size 80x24")
	pid := s.Status().Pid
	sp.Size = Size{100, 30}
	ch, err := k.Apply([]Spec{sp})
	if err != nil || strings.Join(ch.Resized, ",") != "ws" {
		t.Fatalf("reload: %+v %v", ch, err)
	}
	waitSnapshot(t, s, "size 100x30")
	if st := s.Status(); st.Pid != pid || st.Size != "100x30" {
		t.Fatalf("after a size change: %+v, want pid %d 100x30", st, pid)
	}
}

// The old program is stopped the way it was started (its stop signal),
// and changed sessions stop at the same time, not one after another.
func TestApplyStopsOldWayInParallel(t *testing.T) {
	var logs syncBuffer
	k := newKeeper(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	var specs []Spec
	for _, name := range []string{"a", "b"} {
		// Dies on HUP only; TERM is ignored.
		sp := shSpec(name, `trap 'exit 0' HUP; trap '' TERM; echo up; while :; do sleep 0.05; done`)
		sp.StopSignal, sp.StopWait = syscall.SIGHUP, 2*time.Second
		specs = append(specs, sp)
	}
	if _, err := k.Apply(specs); err != nil {
		t.Fatal(err)
	}
	var newSpecs []Spec
	for _, sp := range specs {
		s, _ := k.Get(sp.Name)
		waitSnapshot(t, s, "up")
		sp.StopSignal, sp.StopWait = syscall.SIGTERM, 100*time.Millisecond // the old program ignores TERM
		sp.Env = []string{"NEW=1"}
		newSpecs = append(newSpecs, sp)
	}
	start := time.Now()
	ch, err := k.Apply(newSpecs)
	if err != nil || strings.Join(ch.Changed, ",") != "a,b" {
		t.Fatalf("reload: %+v %v", ch, err)
	}
	l := logs.String()
	if strings.Count(l, "signal=SIGHUP") != 2 || strings.Contains(l, "signal=SIGTERM") {
		t.Fatalf("old programs not stopped with their own stop signal:\n%s", l)
	}
	// Both stops began before either program exited.
	if i, j := strings.LastIndex(l, "msg=stopping"), strings.Index(l, "msg=exited"); i < 0 || j < 0 || i > j {
		t.Fatalf("stops ran one after another:\n%s", l)
	}
	t.Logf("reload of two changed sessions took %v", time.Since(start))
	for _, name := range []string{"a", "b"} {
		s, _ := k.Get(name)
		if !testprog.WaitFor(wait, func() bool { return s.Status().State == Running }) {
			t.Fatalf("%s after reload: %+v", name, s.Status())
		}
	}
}
