package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	"golang.org/x/sys/unix"
)

var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "pkbin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "ptykeeper")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

const wait = 15 * time.Second

// daemon runs 'ptykeeper serve' with its own socket.
type daemon struct {
	t      *testing.T
	cmd    *exec.Cmd
	socket string
	log    *lockedBuffer
	env    []string
}

func startDaemon(t *testing.T, args ...string) *daemon {
	t.Helper()
	return startDaemonEnv(t, nil, args...)
}

// startDaemonEnv starts the daemon with env added to the test's environment.
func startDaemonEnv(t *testing.T, env []string, args ...string) *daemon {
	t.Helper()
	dir, err := os.MkdirTemp("", "pk")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	d := &daemon{t: t, socket: filepath.Join(dir, "s.sock"), log: &lockedBuffer{b: &bytes.Buffer{}}}
	d.env = append(append(os.Environ(), "PTYKEEPER_SOCKET="+d.socket), env...)
	if joined := " " + strings.Join(args, " "); !strings.Contains(joined, "--ssh-listen") && !strings.Contains(joined, " -c ") {
		args = append(args, "--ssh-listen", "off") // tests run in parallel: no fixed port
	}
	d.cmd = exec.Command(binary, append([]string{"serve"}, args...)...)
	d.cmd.Env = d.env
	d.cmd.Stderr = d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.stop() })
	// Up means serving with its sessions added: the socket file exists from
	// bind(), before listen() and before the sessions are.
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(d.log.String(), "msg=serving") }) {
		t.Fatalf("daemon did not come up: %s", d.log)
	}
	return d
}

type lockedBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// stop sends SIGTERM and returns the daemon's exit code.
func (d *daemon) stop() int {
	if d.cmd.ProcessState != nil {
		return d.cmd.ProcessState.ExitCode()
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
		d.cmd.Process.Kill()
		<-done
		d.t.Errorf("daemon ignored SIGTERM")
	}
	return d.cmd.ProcessState.ExitCode()
}

func (d *daemon) run(args ...string) (string, int) {
	cmd := exec.Command(binary, args...)
	cmd.Env = d.env
	out, _ := cmd.CombinedOutput()
	return string(out), cmd.ProcessState.ExitCode()
}

// terminal runs a ptykeeper client in a real PTY, like a user's terminal.
type terminal struct {
	cmd    *exec.Cmd
	pty    *os.File
	tty    *os.File
	view   *testprog.Term
	done   chan struct{} // output reader ended
	exited chan struct{} // client exited; code is set
	code   int
}

func (d *daemon) attach(t *testing.T, args ...string) *terminal {
	t.Helper()
	return startTerminal(t, d.env, 100, 30, false, append([]string{"attach"}, args...)...)
}

// startTerminal runs the binary with args in a new PTY of cols x rows
// whose other side a test terminal reads; answering, that terminal answers
// status queries as a real one does.
func startTerminal(t *testing.T, env []string, cols, rows int, answering bool, args ...string) *terminal {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	pty.Setsize(ptmx, &pty.Winsize{Cols: uint16(cols), Rows: uint16(rows)})
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var answers io.Writer
	if answering {
		answers = ptmx
	}
	tm := &terminal{cmd: cmd, pty: ptmx, tty: tty, view: testprog.NewTerm(cols, rows, answers), done: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(tm.done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			tm.view.Write(buf[:n])
			if err != nil {
				return
			}
		}
	}()
	go func() {
		cmd.Wait()
		tm.code = cmd.ProcessState.ExitCode()
		tm.tty.Close()
		close(tm.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-tm.exited
		ptmx.Close()
		<-tm.done
		tm.view.Close()
	})
	return tm
}

// attached says whether the client is still running.
func (tm *terminal) attached() bool {
	select {
	case <-tm.exited:
		return false
	default:
		return true
	}
}

func (tm *terminal) waitText(t *testing.T, want string) {
	t.Helper()
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(tm.view.Text(), want) }) {
		t.Fatalf("terminal never showed %q:\n%s", want, tm.view.Text())
	}
}

func (tm *terminal) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-tm.exited:
		return tm.code
	case <-time.After(wait):
		t.Fatal("client did not exit")
	}
	return -1
}

// The README's quick start: a daemon with the demo session, attach, type,
// detach with Ctrl-\; the program goes on; SIGTERM leaves nothing behind.
func TestQuickStartDemo(t *testing.T) {
	d := startDaemon(t, "--demo")
	tm := d.attach(t, "demo")
	tm.waitText(t, "ptykeeper demo")
	tm.waitText(t, "window       100x30")
	var before unix.Termios
	tm.pty.Write([]byte("xyz\x1b[A"))
	tm.waitText(t, `"xyz\x1b[A"`)
	tm.pty.Write([]byte{0x1c}) // Ctrl-\
	if code := tm.wait(t); code != 0 {
		t.Fatalf("attach exited %d after detach", code)
	}
	tm.waitText(t, "[detached from demo]")
	// The client put the terminal back: canonical mode and echo.
	tio, err := unix.IoctlGetTermios(int(tm.pty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	_ = before
	if tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ECHO == 0 {
		t.Fatalf("terminal left in raw mode: lflag %#x", tio.Lflag)
	}
	out, _ := d.run("status", "--json", "demo")
	var st []struct {
		State string
		Pid   int
	}
	json.Unmarshal([]byte(out), &st)
	if len(st) != 1 || (st[0].State != "RUNNING" && st[0].State != "STARTING") {
		t.Fatalf("after detach: %s", out)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("daemon exited %d on SIGTERM:\n%s", code, d.log)
	}
	if _, err := os.Stat(d.socket); err == nil {
		t.Fatal("socket left behind")
	}
	if err := syscall.Kill(st[0].Pid, 0); err == nil {
		t.Fatalf("demo program %d still running after the daemon stopped", st[0].Pid)
	}
}

func TestAttachReportsProgramExit(t *testing.T) {
	d := startDaemon(t, "--session", "ex=sh -c 'read x; echo bye; exit 3'")
	tm := d.attach(t, "ex")
	tm.pty.Write([]byte("\r"))
	if code := tm.wait(t); code != 3 {
		t.Fatalf("attach exited %d, want the program's 3", code)
	}
	tm.waitText(t, "[ex: program exited 3]")
}

func TestAttachWithoutTerminal(t *testing.T) {
	d := startDaemon(t, "--demo")
	out, code := d.run("attach", "demo")
	if code == 0 || !strings.Contains(out, "not a terminal") {
		t.Fatalf("%d %q", code, out)
	}
}

func TestSIGTERMToClientRestoresTerminal(t *testing.T) {
	d := startDaemon(t, "--demo")
	tm := d.attach(t, "demo")
	tm.waitText(t, "ptykeeper demo")
	tm.cmd.Process.Signal(syscall.SIGTERM)
	if code := tm.wait(t); code != 0 {
		t.Fatalf("client exited %d on SIGTERM", code)
	}
	tio, _ := unix.IoctlGetTermios(int(tm.pty.Fd()), unix.TCGETS)
	if tio.Lflag&unix.ICANON == 0 {
		t.Fatal("terminal left in raw mode after SIGTERM")
	}
}

func TestServeWithoutSessionsExplains(t *testing.T) {
	cmd := exec.Command(binary, "serve")
	cmd.Env = append(os.Environ(), "PTYKEEPER_SOCKET="+filepath.Join(t.TempDir(), "s"))
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(out), "ptykeeper serve --demo") {
		t.Fatalf("%q", out)
	}
}

func TestNoDaemon(t *testing.T) {
	cmd := exec.Command(binary, "ls")
	cmd.Env = append(os.Environ(), "PTYKEEPER_SOCKET="+filepath.Join(t.TempDir(), "s"))
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), "no ptykeeper daemon is running") {
		t.Fatalf("%q", out)
	}
}
