package sshd

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

func (f *fixture) addProg(name, prog string, args ...string) *ptykeeper.Session {
	f.t.Helper()
	argv, env := testprog.Command(prog, args...)
	s, err := f.k.Add(ptykeeper.Spec{Name: name, Command: argv, Env: env, Autostart: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return s
}

// The SSH twin of attach's TestFaultDetachWhileProgramReadsNothing: a
// 40 KB paste into a program that reads nothing, then Ctrl-\ detaches at once.
func TestFaultSSHDetachWhileProgramReadsNothing(t *testing.T) {
	key := newSigner(t)
	f := start(t, "%s\n", key.PublicKey())
	f.addProg("stall", "stall")
	c, err := f.dial(key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.RequestPty("xterm", 24, 80, nil)
	stdin, _ := s.StdinPipe()
	out := &lockedBuf{}
	s.Stdout = out
	if err := s.Start("attach stall"); err != nil {
		t.Fatal(err)
	}
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(out.String(), "stalled") }) {
		t.Fatalf("no screen: %q", out.String())
	}
	paste := bytes.Repeat(append(bytes.Repeat([]byte("p"), 999), '\r'), 40)
	if _, err := stdin.Write(paste); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stdin.Write([]byte{0x1c})
	done := make(chan error, 1)
	go func() { done <- s.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("attach ended with %v, want exit 0", err)
		}
	case <-time.After(wait):
		t.Fatal("Ctrl-\\ after a paste into a stalled program did not detach")
	}
	t.Logf("detach over SSH after a 40 KB paste took %v", time.Since(start))
}

// `logs -f` on a session that prints nothing ends when the client goes:
// the handler does not wait for the session's next output.
func TestFaultSSHLogsFollowEndsWithChannel(t *testing.T) {
	key := newSigner(t)
	f := start(t, "%s\n", key.PublicKey())
	f.addProg("quiet", "stall")
	c, err := f.dial(key)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuf{}
	s.Stdout = out
	if err := s.Start("logs -f quiet"); err != nil {
		t.Fatal(err)
	}
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(out.String(), "stalled") }) {
		t.Fatalf("logs -f printed %q", out.String())
	}
	s.Close()
	c.Close()
	// Shutdown waits for every handler: a handler stuck in Follow makes it
	// time out.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		t.Fatalf("a handler outlived its channel: %v", err)
	}
}
