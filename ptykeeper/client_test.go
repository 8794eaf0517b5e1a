package ptykeeper

import (
	"bytes"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

// The keeper answers the program's status and cursor queries itself, also
// while clients are attached: the program gets one answer per query, not
// one per attached terminal, the clients' terminals never see the query,
// and their answers to the keeper's own probes never reach the program.
func TestQueriesAnsweredOnceWithClients(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "q", "queries", "wait")
	a := answeringView(t, s, AttachOptions{})
	b := answeringView(t, s, AttachOptions{})
	a.waitText(t, "press a key")
	b.waitText(t, "press a key")
	a.c.Write([]byte("k"))
	a.waitText(t, `input so far "\x1b[0n\x1b[2;7R"`)
	time.Sleep(200 * time.Millisecond) // a second answer would come now
	if snap := string(s.Snapshot(false)); strings.Count(snap, "input so far") != 1 {
		t.Fatalf("the program got more than one answer, or a probe's answer:\n%s", snap)
	}
	for _, v := range []*view{a, b} {
		if bytes.Contains(v.term.Raw(), []byte("\x1b[6n")) {
			t.Fatal("a client's terminal got the program's query")
		}
	}
}

// A client on a slow link (its terminal takes 100 KB/s, and answers status
// queries as terminals do) presses Ctrl-C during a flood: what it gets
// before the prompt is at most a window and an update, not the flood's
// backlog.
func TestSlowClientGetsPromptNotBacklog(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "yes", "yes")
	c, err := s.Attach(AttachOptions{Size: Size{80, 24}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	term := testprog.NewTerm(80, 24, c)
	var mu sync.Mutex
	received, interrupted := 0, -1
	seen := make(chan struct{})
	go func() {
		defer close(seen)
		buf := make([]byte, 1024)
		for {
			n, err := c.Read(buf) // 1 KB every 10 ms: 100 KB/s
			term.Write(buf[:n])
			mu.Lock()
			received += n
			mu.Unlock()
			if err != nil || strings.Contains(term.Text(), "PROMPT$") {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	time.Sleep(500 * time.Millisecond) // flooding
	mu.Lock()
	interrupted = received
	mu.Unlock()
	start := time.Now()
	c.Write([]byte{3})
	select {
	case <-seen:
	case <-time.After(wait):
		t.Fatalf("prompt not shown:\n%s", term.Text())
	}
	mu.Lock()
	after := received - interrupted
	mu.Unlock()
	t.Logf("after Ctrl-C: %d bytes and %v until the prompt showed", after, time.Since(start))
	if after > 96<<10 {
		t.Fatalf("%d bytes of backlog before the prompt", after)
	}
}

// Attach while vim (on the alternate screen) is open, then quit vim: the
// shell's screen underneath is exactly what a terminal that never detached
// shows.
func TestAttachDuringVimThenQuit(t *testing.T) {
	vim, err := exec.LookPath("vim")
	if err != nil {
		t.Skip("no vim (apt-get install vim)")
	}
	k := newKeeper(t, Options{})
	s, err := k.Add(Spec{Name: "vim", Command: []string{"sh", "-c",
		`printf 'shell line one\nshell line two\n$ vim\n'; read x; "$0" -u NONE -N -i NONE "+set number" +help +only; printf 'after vim\n'; exec sleep 1000`, vim}, Autostart: true})
	if err != nil {
		t.Fatal(err)
	}
	live := attachView(t, s, AttachOptions{Size: Size{80, 24}})
	live.waitText(t, "shell line two")
	live.c.Write([]byte("\r"))
	live.waitText(t, "help.txt")
	later := attachView(t, s, AttachOptions{Size: Size{80, 24}})
	later.waitText(t, "help.txt")
	live.c.Write([]byte(":qa!\r"))
	live.waitText(t, "after vim")
	later.waitText(t, "after vim")
	if !testprog.WaitFor(wait, func() bool { return live.term.Same(later.term) == "" }) {
		t.Fatalf("after quitting vim, the client that attached during vim differs: %s\nlive:\n%s\nlater:\n%s", live.term.Same(later.term), live.term.Text(), later.term.Text())
	}
	if !strings.Contains(later.term.Text(), "shell line one") {
		t.Fatalf("the shell's screen is gone:\n%s", later.term.Text())
	}
}

// The window shrinks while more than the new window is in flight and no
// probe is out: Read must send one, or nothing would ever answer and the
// client would wait for ever.
func TestFlowAsksWhenNothingWouldAnswer(t *testing.T) {
	f := newFlow()
	now := time.Now()
	f.state, f.window = probeWorks, 64<<10
	f.add(32 << 10)
	f.probeSent()
	f.add(32 << 10)
	f.probeSent()
	f.add(6 << 10)
	f.mu.Lock()
	f.minDelay = time.Millisecond
	f.probes[0].t = now.Add(-time.Second) // answered late: the link is slow
	f.probes[1].t = now.Add(-time.Second)
	f.answerLocked(now)
	f.answerLocked(now)
	f.mu.Unlock()
	if f.window >= 6<<10 {
		t.Fatalf("window %d did not shrink", f.window)
	}
	if room, probe, wait := f.hold(now, false); !probe || room != 0 || wait != 0 {
		t.Fatalf("hold: room %d probe %v wait %v; want a probe", room, probe, wait)
	}
}
