package attach

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	ptykeeper.RunExecHelper()
	testprog.Main()
	goleak.VerifyTestMain(m)
}

const wait = 10 * time.Second

type daemon struct {
	k      *ptykeeper.Keeper
	socket string
}

func startDaemon(t *testing.T) *daemon {
	t.Helper()
	return startDaemonWith(t, ptykeeper.Options{})
}

func startDaemonWith(t *testing.T, o ptykeeper.Options) *daemon {
	t.Helper()
	// Unix socket paths are short: keep it under /tmp.
	dir, err := os.MkdirTemp("", "pk")
	if err != nil {
		t.Fatal(err)
	}
	socket := filepath.Join(dir, "sock")
	l, err := Listen(socket)
	if err != nil {
		t.Fatal(err)
	}
	k := ptykeeper.New(o)
	srv := &Server{Keeper: k}
	done := make(chan struct{})
	go func() { srv.Serve(l.UnixListener); close(done) }()
	t.Cleanup(func() {
		l.Close()
		<-done
		k.Shutdown(context.Background())
		srv.Close()
		os.RemoveAll(dir)
	})
	return &daemon{k: k, socket: socket}
}

func (d *daemon) add(t *testing.T, name, prog string, args ...string) *ptykeeper.Session {
	t.Helper()
	argv, env := testprog.Command(prog, args...)
	s, err := d.k.Add(ptykeeper.Spec{Name: name, Command: argv, Env: env, Autostart: true})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// conn is a raw protocol client.
type conn struct {
	t    *testing.T
	c    *net.UnixConn
	dec  *Decoder
	term *testprog.Term
	exit chan Exit
}

func dialAttach(t *testing.T, d *daemon, argv ...string) *conn {
	t.Helper()
	c, err := Dial(d.socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := sendHello(c, Hello{Version: Version, Argv: argv, Cols: 80, Rows: 24, TTY: true}); err != nil {
		t.Fatal(err)
	}
	cn := &conn{t: t, c: c, dec: NewDecoder(c), term: testprog.NewTerm(80, 24, nil), exit: make(chan Exit, 1)}
	t.Cleanup(cn.term.Close)
	go func() {
		for {
			typ, p, err := cn.dec.Next()
			if err != nil {
				close(cn.exit)
				return
			}
			switch typ {
			case TypeData:
				cn.term.Write(p)
			case TypeExit:
				var e Exit
				json.Unmarshal(p, &e)
				cn.exit <- e
				return
			}
		}
	}()
	return cn
}

func (c *conn) waitText(want string) {
	c.t.Helper()
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(c.term.Text(), want) }) {
		c.t.Fatalf("screen never showed %q:\n%s", want, c.term.Text())
	}
}

func (c *conn) waitExit() Exit {
	c.t.Helper()
	select {
	case e, ok := <-c.exit:
		if !ok {
			c.t.Fatal("connection ended without an exit frame")
		}
		return e
	case <-time.After(wait):
		c.t.Fatal("no exit frame")
	}
	return Exit{}
}

func TestAttachOverSocket(t *testing.T) {
	d := startDaemon(t)
	s := d.add(t, "echo", "echo")
	c := dialAttach(t, d, "attach", "echo")
	c.waitText("ready")
	WriteFrame(c.c, TypeData, []byte("typed"))
	c.waitText("typed")
	WriteFrame(c.c, TypeResize, ResizePayload(120, 40))
	if !testprog.WaitFor(wait, func() bool { return s.Status().Size == "120x40" }) {
		t.Fatalf("size %s, want 120x40", s.Status().Size)
	}
	WriteFrame(c.c, TypeDetach, nil)
	e := c.waitExit()
	if e.Code != 0 || e.Message != "[detached from echo]\n" {
		t.Fatalf("exit %+v", e)
	}
	if !bytes.Contains(c.term.Raw(), []byte(ptykeeper.TerminalReset)) {
		t.Fatal("terminal not reset on detach")
	}
	if st := s.Status(); st.State != ptykeeper.Running || st.Clients != 0 {
		t.Fatalf("after detach: %+v", st)
	}
}

func TestDetachOthersAndReadOnly(t *testing.T) {
	d := startDaemon(t)
	d.add(t, "echo", "echo")
	a := dialAttach(t, d, "attach", "echo")
	a.waitText("ready")
	ro := dialAttach(t, d, "attach", "-r", "echo")
	ro.waitText("ready")
	WriteFrame(ro.c, TypeData, []byte("from-ro"))
	WriteFrame(a.c, TypeData, []byte("from-a"))
	ro.waitText("from-a")
	if strings.Contains(a.term.Text(), "from-ro") {
		t.Fatal("read-only input reached the program")
	}
	b := dialAttach(t, d, "attach", "-d", "echo")
	b.waitText("from-a")
	for _, c := range []*conn{a, ro} {
		if e := c.waitExit(); !strings.Contains(e.Message, "another client attached with -d") {
			t.Fatalf("detached client told %q", e.Message)
		}
	}
}

func TestProgramExitEndsAttach(t *testing.T) {
	d := startDaemon(t)
	d.add(t, "ex", "cpr", "wait") // waits for a key, then asks and we answer
	c := dialAttach(t, d, "attach", "ex")
	c.waitText("press a key")
	s, _ := d.k.Get("ex")
	syscallKill(t, s.Status().Pid)
	e := c.waitExit()
	if e.Code != 128+9 || !strings.Contains(e.Message, "killed by signal 9") {
		t.Fatalf("exit %+v, want 137 and the signal", e)
	}
}

func TestCommandsOverSocket(t *testing.T) {
	d := startDaemon(t)
	d.add(t, "one", "counter")
	var out, errb bytes.Buffer
	if code := Command(d.socket, []string{"ls"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "one") || !strings.Contains(out.String(), "RUNNING") {
		t.Fatalf("ls: %d %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := Command(d.socket, []string{"snapshot", "nope"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), `no session "nope" (sessions: one)`) {
		t.Fatalf("unknown session: %d %q", code, errb.String())
	}
	errb.Reset()
	if code := Command(d.socket, []string{"frobnicate"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errb.String())
	}
	out.Reset()
	if code := Command(d.socket, []string{"new", "cat", "--", "cat"}, &out, &errb); code != 0 {
		t.Fatalf("new: %d %q", code, errb.String())
	}
	if code := Command(d.socket, []string{"send", "cat", "hello", "Enter"}, &out, &errb); code != 0 {
		t.Fatalf("send: %d %q", code, errb.String())
	}
	s, _ := d.k.Get("cat")
	if !testprog.WaitFor(wait, func() bool { return strings.Count(string(s.Snapshot(false)), "hello") == 2 }) {
		t.Fatalf("send: screen %q", s.Snapshot(false))
	}
	out.Reset()
	if code := Command(d.socket, []string{"snapshot", "cat"}, &out, &errb); code != 0 || out.String() != "hello\nhello\n" {
		t.Fatalf("snapshot: %d %q", code, out.String())
	}
	if code := Command(d.socket, []string{"kill", "cat"}, &out, &errb); code != 0 {
		t.Fatalf("kill: %d %q", code, errb.String())
	}
	if _, err := d.k.Get("cat"); err == nil {
		t.Fatal("killed session still there")
	}
}

func TestGarbageClientIsDropped(t *testing.T) {
	d := startDaemon(t)
	d.add(t, "echo", "echo")
	good := dialAttach(t, d, "attach", "echo")
	good.waitText("ready")
	bad, err := net.Dial("unix", d.socket)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.Write(AppendFrame(nil, TypeHello, []byte(`{"version":1,"argv":["attach","echo"],"tty":true}`)))
	bad.Write([]byte{0xff, 0xff, 0xff, 0xff, 77, 1, 2, 3})
	bad.SetReadDeadline(time.Now().Add(wait))
	if _, err := readAll(bad); err != nil {
		t.Fatalf("garbage client not disconnected: %v", err)
	}
	WriteFrame(good.c, TypeData, []byte("still-fine"))
	good.waitText("still-fine")
}

func readAll(c net.Conn) ([]byte, error) {
	var all []byte
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		all = append(all, buf[:n]...)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return all, err
			}
			return all, nil
		}
	}
}

func TestListenRefusesSecondDaemonAndCleansStaleSocket(t *testing.T) {
	dir, _ := os.MkdirTemp("", "pk")
	defer os.RemoveAll(dir)
	socket := filepath.Join(dir, "sock")
	// A stale socket file from a crashed daemon.
	stale, err := net.ListenUnix("unix", &net.UnixAddr{Name: socket, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	stale.SetUnlinkOnClose(false)
	stale.Close()
	l, err := Listen(socket)
	if err != nil {
		t.Fatalf("stale socket not cleaned: %v", err)
	}
	defer l.Close()
	st, _ := os.Stat(socket)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want 0600", st.Mode().Perm())
	}
	dst, _ := os.Stat(dir)
	if _, err := Listen(socket); err == nil || !strings.Contains(err.Error(), "another ptykeeper daemon is running") {
		t.Fatalf("second daemon: %v", err)
	}
	_ = dst
	if _, err := os.Stat(socket); err != nil {
		t.Fatalf("refused daemon removed the live socket: %v", err)
	}
}

func TestNoDaemonMessage(t *testing.T) {
	var out, errb bytes.Buffer
	code := Command(filepath.Join(os.TempDir(), "nonexistent-pk", "sock"), []string{"ls"}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "no ptykeeper daemon is running") || !strings.Contains(errb.String(), "ptykeeper serve") {
		t.Fatalf("%d %q", code, errb.String())
	}
}

func TestAttachToStoppedSessionSaysHowToStart(t *testing.T) {
	d := startDaemon(t)
	s := d.add(t, "echo", "echo")
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	c := dialAttach(t, d, "attach", "echo")
	e := c.waitExit()
	if e.Code != 0 || !strings.Contains(e.Message, "echo is STOPPED; start it with: ptykeeper start echo") {
		t.Fatalf("exit %+v", e)
	}
}

// A keystroke frame decoded after its client was frozen for an upgrade is
// handed back, not dropped: it goes first with the connection to the new
// daemon (an upgrade once lost a keystroke typed at that moment).
func TestFrozenClientHandsBackItsTyping(t *testing.T) {
	d := startDaemon(t)
	s := d.add(t, "echo", "echo")
	waitScreen(t, s, "ready")
	cl, err := s.Attach(ptykeeper.AttachOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	var wire bytes.Buffer
	WriteFrame(&wire, TypeData, []byte("<63>"))
	WriteFrame(&wire, TypeData, []byte("<64>"))
	cl.Freeze()
	dec := NewDecoder(&wire)
	frozen, unsent := readInput(dec, cl)
	if !frozen || string(unsent) != "<63>" {
		t.Fatalf("readInput: frozen %v, unsent %q; want true, %q", frozen, unsent, "<63>")
	}
	typ, p, err := NewDecoder(bytes.NewReader(dec.Pending())).Next()
	if err != nil || typ != TypeData || string(p) != "<64>" {
		t.Fatalf("what follows: %d %q %v", typ, p, err)
	}
	if snap := string(s.Snapshot(false)); strings.Contains(snap, "<63>") {
		t.Fatalf("the frozen client's typing reached the program: %q", snap)
	}
}
