package attach

import (
	"bytes"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

// paste40K is 40 lines of 1,000 characters: the paste of issue 9.
var paste40K = bytes.Repeat(append(bytes.Repeat([]byte("p"), 999), '\r'), 40)

// A client pastes 40 KB into a program that reads nothing, then detaches:
// the detach is seen at once, another client's typing and `send` are not
// held up, and everything reaches the program once it reads again.
func TestFaultDetachWhileProgramReadsNothing(t *testing.T) {
	d := startDaemon(t)
	s := d.add(t, "stall", "stall")
	a := dialAttach(t, d, "attach", "stall")
	a.waitText("stalled")
	for p := paste40K; len(p) > 0; p = p[min(len(p), 4096):] {
		if err := WriteFrame(a.c, TypeData, p[:min(len(p), 4096)]); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	WriteFrame(a.c, TypeDetach, nil)
	if e := a.waitExit(); e.Message != "[detached from stall]\n" {
		t.Fatalf("exit %+v", e)
	}
	took := time.Since(start)
	t.Logf("detach after a 40 KB paste into a stalled program took %v", took)
	if took > time.Second {
		t.Errorf("detach took %v", took)
	}

	b := dialAttach(t, d, "attach", "stall")
	b.waitText("stalled")
	WriteFrame(b.c, TypeData, []byte("hello-from-b"))
	var out, errb bytes.Buffer
	if code := Command(d.socket, []string{"send", "stall", "-and-send"}, &out, &errb); code != 0 {
		t.Fatalf("send while the program reads nothing: %d %s", code, errb.String())
	}
	syscall.Kill(s.Status().Pid, syscall.SIGUSR1)
	b.waitText("reading")
	const want = `got 40021 tail "pppppppppp\rhello-from-b-and-send"`
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(b.term.Text(), want) }) {
		t.Fatalf("the program did not get the paste, then b's typing, then send; want %s in:\n%s", want, b.term.Text())
	}
}
