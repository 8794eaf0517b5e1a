package ptykeeper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	RunExecHelper()
	testprog.Main()
	goleak.VerifyTestMain(m)
}

const wait = 10 * time.Second

func newKeeper(t *testing.T, o Options) *Keeper {
	t.Helper()
	k := New(o)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := k.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return k
}

func progSpec(name, prog string, args ...string) Spec {
	argv, env := testprog.Command(prog, args...)
	return Spec{Name: name, Command: argv, Env: env, Autostart: true}
}

func addProg(t *testing.T, k *Keeper, name, prog string, args ...string) *Session {
	t.Helper()
	s, err := k.Add(progSpec(name, prog, args...))
	if err != nil {
		t.Fatalf("add %s: %v", name, err)
	}
	return s
}

// view attaches a client and feeds everything it reads into a test terminal
// in a goroutine. The returned func detaches and waits for the reader.
type view struct {
	c    *Client
	term *testprog.Term
	done chan struct{} // closed when the reader ended; err is set
	err  error
	once sync.Once
}

// attachView attaches a client whose terminal does not answer queries.
func attachView(t *testing.T, s *Session, o AttachOptions) *view {
	t.Helper()
	return attachTerm(t, s, o, false)
}

// answeringView is a client whose terminal answers queries (as a real one
// does), typed back through the client.
func answeringView(t *testing.T, s *Session, o AttachOptions) *view {
	t.Helper()
	return attachTerm(t, s, o, true)
}

func attachTerm(t *testing.T, s *Session, o AttachOptions, answers bool) *view {
	t.Helper()
	if o.Size == (Size{}) {
		o.Size = Size{80, 24}
	}
	c, err := s.Attach(o)
	if err != nil {
		t.Fatalf("attach: %v", err)
	}
	var to io.Writer
	if answers {
		to = c
	}
	v := &view{c: c, term: testprog.NewTerm(o.Size.Cols, o.Size.Rows, to), done: make(chan struct{})}
	go func() {
		defer close(v.done)
		buf := make([]byte, 32<<10)
		for {
			n, err := c.Read(buf)
			v.term.Write(buf[:n])
			if err != nil {
				v.err = err
				return
			}
		}
	}()
	t.Cleanup(v.close)
	return v
}

func (v *view) close() {
	v.once.Do(func() {
		v.c.Close()
		<-v.done
		v.term.Close()
	})
}

func (v *view) waitText(t *testing.T, want string) {
	t.Helper()
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(v.term.Text(), want) }) {
		t.Fatalf("screen never showed %q; it shows:\n%s", want, v.term.Text())
	}
}

func waitSnapshot(t *testing.T, s *Session, want string) string {
	t.Helper()
	var snap string
	if !testprog.WaitFor(wait, func() bool { snap = string(s.Snapshot(false)); return strings.Contains(snap, want) }) {
		t.Fatalf("snapshot never showed %q; it shows:\n%s", want, snap)
	}
	return snap
}

func TestAttachTypeEchoDetach(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "echo", "echo")
	v := attachView(t, s, AttachOptions{})
	v.waitText(t, "ready")
	// Ctrl-C, an arrow key and an Alt-key reach the program as raw bytes.
	v.c.Write([]byte("hello\x03\x1b[A\x1bx"))
	want := []byte("hello\x03\x1b[A\x1bx")
	if !testprog.WaitFor(wait, func() bool { return bytes.Contains(v.term.Raw(), want) }) {
		t.Fatalf("echo of raw bytes missing; got %q", v.term.Raw())
	}
	pid := s.Status().Pid
	v.close()
	st := s.Status()
	if st.State != Running || st.Pid != pid || st.Clients != 0 {
		t.Fatalf("after detach: %+v, want RUNNING pid %d, 0 clients", st, pid)
	}
}

func TestProgramRunsOnWhileDetached(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "counter", "counter")
	v := attachView(t, s, AttachOptions{})
	v.waitText(t, "count 3")
	v.close()
	n := s.ring.Head()
	if !testprog.WaitFor(wait, func() bool { return s.ring.Head() > n+200 }) {
		t.Fatal("counter stopped producing output while detached")
	}
	v2 := attachView(t, s, AttachOptions{})
	last := lastCount(t, v2)
	if !testprog.WaitFor(wait, func() bool { return lastCount(t, v2) > last+2 }) {
		t.Fatalf("counter not advancing after reattach: %s", v2.term.Text())
	}
}

func lastCount(t *testing.T, v *view) int {
	n := -1
	for _, l := range strings.Split(v.term.Text(), "\n") {
		var c int
		if _, err := fmt.Sscanf(l, "count %d", &c); err == nil && c > n {
			n = c
		}
	}
	return n
}

// The repainted screen of a full-screen program equals what a terminal that
// saw every byte shows: cells, attributes, cursor, alternate screen, and the
// modes, region, pen and cursor style (checked by repainting both again).
func TestRepaintFullScreenProgram(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "tui", "tui")
	waitSnapshot(t, s, "status line")

	truth := testprog.NewTerm(80, 24, nil)
	defer truth.Close()
	truth.Write([]byte(testprog.TUIScreen))
	v := attachView(t, s, AttachOptions{})
	if !testprog.WaitFor(wait, func() bool { return v.term.State() == truth.State() }) {
		t.Fatalf("repainted screen differs\n got: %s\nwant: %s", v.term.State(), truth.State())
	}
	// Everything a terminal keeps (modes, region, pen, cursor style, both
	// screens) is the same too.
	if d := v.term.Same(truth); d != "" {
		t.Fatalf("the client's terminal differs from one that saw every byte: %s", d)
	}
}

func TestRepaintShellPrompt(t *testing.T) {
	if _, err := os.Stat("/bin/bash"); err != nil {
		t.Skip("no bash")
	}
	k := newKeeper(t, Options{})
	s, err := k.Add(Spec{Name: "sh", Command: []string{"/bin/bash", "--norc", "--noprofile", "-i"},
		Env: []string{"PS1=\\[\\e[1;32m\\]prompt$ \\[\\e[0m\\]"}, Autostart: true})
	if err != nil {
		t.Fatal(err)
	}
	v := attachView(t, s, AttachOptions{})
	v.waitText(t, "prompt$")
	v.c.Write([]byte("echo one; echo two\r"))
	v.waitText(t, "two\nprompt$")
	v.c.Write([]byte("partial"))
	v.waitText(t, "prompt$ partial")
	v.close()

	v2 := attachView(t, s, AttachOptions{})
	// The reattached view equals the keeper's own screen, cursor included.
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(v2.term.Text(), "prompt$ partial") }) {
		t.Fatalf("reattach: %s", v2.term.Text())
	}
	truth := testprog.NewTerm(80, 24, nil)
	defer truth.Close()
	s.scrMu.Lock()
	truth.Write(s.model.diff(nil, nil))
	s.scrMu.Unlock()
	if v2.term.State() != truth.State() {
		t.Fatalf("reattached screen differs:\n got %s\nwant %s", v2.term.State(), truth.State())
	}
	if x, _ := v2.term.Cursor(); x != len("prompt$ partial") {
		t.Fatalf("cursor at column %d, want after the typed text", x)
	}
}

func TestQueryAnsweredWhileDetached(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "cpr", "cpr")
	snap := waitSnapshot(t, s, "got answer")
	if !strings.Contains(snap, `"\x1b[1;7R"`) {
		t.Fatalf("want the cursor position 1;7 in the answer, got:\n%s", snap)
	}
}

func TestQueryAnsweredByAttachedClientOnly(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "cpr", "cpr", "wait")
	waitSnapshot(t, s, "press a key")
	c, err := s.Attach(AttachOptions{Size: Size{80, 24}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// The client's terminal answers; the keeper must stay silent.
	term := testprog.NewTerm(80, 24, c)
	defer term.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := c.Read(buf)
			term.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	c.Write([]byte("k"))
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(term.Text(), "got answer") }) {
		t.Fatalf("no answer: %s", term.Text())
	}
	if strings.Count(term.Text(), "R") != 1 {
		t.Fatalf("want exactly one answer:\n%s", term.Text())
	}
	c.Close()
	<-done
}

func TestKill9IsExitedBySignal(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "victim", "counter")
	pid := s.Status().Pid
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if st, ok := s.Wait(State.Down, wait); !ok || st != Exited {
		t.Fatalf("state %s, want EXITED", st)
	}
	st := s.Status()
	if st.LastExit == nil || st.LastExit.Signal != syscall.SIGKILL {
		t.Fatalf("last exit %+v, want signal 9", st.LastExit)
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err == nil {
		t.Fatalf("process %d still exists (zombie?)", pid)
	}
}

func TestExitStatusReachesClient(t *testing.T) {
	k := newKeeper(t, Options{})
	s, err := k.Add(progSpec("ex", "exit", "3"))
	if err != nil {
		t.Fatal(err)
	}
	v := attachView(t, s, AttachOptions{})
	var end *EndError
	select {
	case <-v.done:
		if !errors.As(v.err, &end) || end.ExitCode() != 3 {
			t.Fatalf("client ended with %v, want exit status 3", v.err)
		}
	case <-time.After(wait):
		t.Fatal("client not told about exit")
	}
	if !strings.Contains(v.term.Text(), "exiting 3") {
		t.Fatalf("last output missing: %s", v.term.Text())
	}
}

func TestWindowSizeReachesProgram(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "ws", "winsize")
	v := attachView(t, s, AttachOptions{Size: Size{100, 30}})
	v.waitText(t, "size 100x30")
	v.c.Resize(Size{120, 40})
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(string(s.History(100)), "size 120x40") }) {
		t.Fatalf("program never saw 120x40: %s", s.History(100))
	}
	ro := attachView(t, s, AttachOptions{ReadOnly: true, Size: Size{50, 10}})
	ro.c.Resize(Size{60, 20})
	ro.c.Write([]byte("ignored"))
	if got := s.Status().Size; got != "120x40" {
		t.Fatalf("read-only client changed the size to %s", got)
	}
}

func TestSizePolicySmallest(t *testing.T) {
	k := newKeeper(t, Options{SizePolicy: SizeSmallest})
	s := addProg(t, k, "ws", "winsize")
	a := attachView(t, s, AttachOptions{Size: Size{100, 30}})
	b := attachView(t, s, AttachOptions{Size: Size{90, 40}})
	if got := s.Status().Size; got != "90x30" {
		t.Fatalf("size %s, want 90x30", got)
	}
	b.close()
	if got := s.Status().Size; got != "100x30" {
		t.Fatalf("after detach size %s, want 100x30", got)
	}
	_ = a
}

func TestEnvironmentAndFds(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "/run/systemd/notify")
	k := newKeeper(t, Options{})
	e := addProg(t, k, "env", "env")
	snap := string(e.History(200))
	testprog.WaitFor(wait, func() bool { snap = string(e.History(200)); return strings.Contains(snap, "env done") })
	for _, want := range []string{"TERM=xterm-256color\n", "LANG=", "HOME=", "PATH="} {
		if !strings.Contains(snap, want) {
			t.Errorf("env lacks %s:\n%s", want, snap)
		}
	}
	if strings.Contains(snap, "NOTIFY_SOCKET") {
		t.Errorf("daemon's NOTIFY_SOCKET leaked into the program")
	}
	leak, _ := os.Open("/dev/null") // an fd of ours the program must not get
	defer leak.Close()
	f := addProg(t, k, "fds", "fds")
	snap = waitSnapshot(t, f, "fds:")
	if !strings.Contains(snap, "fds: 0,1,2\n") {
		t.Fatalf("program has more than fds 0,1,2:\n%s", snap)
	}
}

func TestBadInput(t *testing.T) {
	k := newKeeper(t, Options{})
	for _, name := range []string{"", ".", "..", "a/b", "sp ace", strings.Repeat("x", 65)} {
		if _, err := k.Add(Spec{Name: name, Command: []string{"true"}, Autostart: true}); err == nil {
			t.Errorf("name %q accepted", name)
		}
	}
	if _, err := k.Add(Spec{Name: "nope", Command: []string{"/does/not/exist"}, Autostart: true}); err == nil {
		t.Error("missing command accepted")
	}
	if len(k.Names()) != 0 {
		t.Errorf("failed adds left sessions: %v", k.Names())
	}
	addProg(t, k, "one", "counter")
	_, err := k.Get("two")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "one") {
		t.Fatalf("unknown session error %v should list 'one'", err)
	}
	if got := (Size{0, 0}).Clamp(); got.Cols < 1 || got.Rows < 1 {
		t.Errorf("clamp 0x0 = %v", got)
	}
	if got := (Size{100000, 100000}).Clamp(); got.Cols > MaxCols || got.Rows > MaxRows {
		t.Errorf("clamp huge = %v", got)
	}
}

// A client that stops reading while the program floods: the program still
// finishes, a reading client shows the end, and the stalled one shows the
// same screen as soon as it reads again (an update, not 100 MiB of
// backlog).
func TestStalledClientNeverBlocksProgram(t *testing.T) {
	const total = 100 << 20
	k := newKeeper(t, Options{})
	s := addProg(t, k, "flood", "flood", fmt.Sprint(total), "wait")
	stalled, err := s.Attach(AttachOptions{Size: Size{80, 24}})
	if err != nil {
		t.Fatal(err)
	}
	defer stalled.Close()
	reader := attachView(t, s, AttachOptions{Size: Size{80, 24}})
	start := time.Now()
	reader.c.Write([]byte("g"))
	if !testprog.WaitFor(120*time.Second, func() bool { return strings.Contains(reader.term.Text(), "flood done") }) {
		t.Fatal("flood did not finish while one client was stalled")
	}
	t.Logf("100 MiB flood with a stalled client: %v", time.Since(start))
	want := string(s.Snapshot(false))
	if !testprog.WaitFor(wait, func() bool { return strings.TrimRight(reader.term.Text(), "\n") == strings.TrimRight(want, "\n") }) {
		t.Fatalf("reading client's screen differs from the session's:\n%s\nwant:\n%s", reader.term.Text(), want)
	}

	// Now the stalled client reads: it gets the screen as it is.
	term := testprog.NewTerm(80, 24, nil)
	defer term.Close()
	got := 0
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := stalled.Read(buf)
			term.Write(buf[:n])
			got += n
			if err != nil {
				return
			}
		}
	}()
	if !testprog.WaitFor(wait, func() bool { return strings.TrimRight(term.Text(), "\n") == strings.TrimRight(want, "\n") }) {
		t.Fatalf("stalled client's screen after resuming:\n%s\nwant:\n%s", term.Text(), want)
	}
}

// Many clients attaching and detaching at once leave no goroutine and no fd
// behind.
func TestAttachDetachCyclesLeakNothing(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "counter", "counter", "5ms")
	waitSnapshot(t, s, "count 2")
	fdsBefore := countFds(t)
	var wg sync.WaitGroup
	for g := 0; g < 5; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 4096)
			for i := 0; i < 10; i++ {
				c, err := s.Attach(AttachOptions{Size: Size{80, 24}, DetachOthers: i == 5})
				if err != nil {
					t.Error(err)
					return
				}
				c.Read(buf)
				c.Close()
			}
		}()
	}
	wg.Wait()
	if n := s.Status().Clients; n != 0 {
		t.Fatalf("%d clients still attached", n)
	}
	if fdsAfter := countFds(t); fdsAfter > fdsBefore {
		t.Fatalf("fds: %d before, %d after", fdsBefore, fdsAfter)
	}
	s.mu.Lock()
	subs := s.ring.Subscribers()
	s.mu.Unlock()
	if subs != 0 {
		t.Fatalf("%d ring subscribers left, want none", subs)
	}
}

func countFds(t *testing.T) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// --scrollback N: the last N lines of history come first, as plain lines,
// before the repaint.
func TestAttachWithScrollback(t *testing.T) {
	k := newKeeper(t, Options{})
	s, err := k.Add(Spec{Name: "lines", Command: []string{"sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do echo history-$i; done; exec sleep 600"}, Autostart: true})
	if err != nil {
		t.Fatal(err)
	}
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(string(s.History(1)), "history-10") }) {
		t.Fatal("no history")
	}
	c, err := s.Attach(AttachOptions{Size: Size{80, 24}, Scrollback: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 64<<10)
	n, _ := c.Read(buf)
	m, _ := c.Read(buf[n:])
	if got := string(buf[:n+m]); !strings.HasPrefix(got, "history-8\r\nhistory-9\r\nhistory-10\r\n\x18") { // then the repaint
		t.Fatalf("attach output starts %q", got[:min(len(got), 80)])
	}
}

// While detached, the keeper answers position queries but not colour
// queries: it does not know the user's colours.
func TestColourQueryNotAnsweredWithMadeUpColours(t *testing.T) {
	k := newKeeper(t, Options{})
	s := addProg(t, k, "colour", "colour")
	snap := waitSnapshot(t, s, "answers")
	if strings.Contains(snap, "]11;") || !strings.Contains(snap, `"\x1b[1;1R"`) {
		t.Fatalf("answers: %s", snap)
	}
}

// vim (Debian's): a client attached from the start saw every byte; one that
// attaches later gets only the repaint. Their screens must be identical,
// cursor and alternate screen included.
func TestRepaintVim(t *testing.T) {
	vim, err := exec.LookPath("vim")
	if err != nil {
		t.Skip("no vim (apt-get install vim)")
	}
	k := newKeeper(t, Options{})
	// vim starts after a key, so the first client sees all it ever writes.
	s, err := k.Add(Spec{Name: "vim", Command: []string{"sh", "-c", `read x; exec "$0" -u NONE -N -i NONE "+syntax on" "+set number" +help +only`, vim}, Autostart: true})
	if err != nil {
		t.Fatal(err)
	}
	first := attachView(t, s, AttachOptions{Size: Size{80, 24}})
	first.c.Write([]byte("\r"))
	first.waitText(t, "help.txt")
	first.c.Write([]byte("10jw"))
	time.Sleep(300 * time.Millisecond) // let vim redraw; then compare until equal
	second := attachView(t, s, AttachOptions{Size: Size{80, 24}})
	if !testprog.WaitFor(wait, func() bool { return first.term.State() == second.term.State() }) {
		t.Fatalf("repaint differs from the live screen\nlive:    %s\nrepaint: %s", first.term.State(), second.term.State())
	}
	if !strings.Contains(second.term.State(), "alt=true") {
		t.Fatal("vim's alternate screen not repainted")
	}
}
