package main

// fault_test.go: the daemon binary against misbehaving programs, clients and
// signals (issue 9). `go test -run Fault ./...` runs the whole fault suite.

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	"golang.org/x/sys/unix"
)

// Shutdown holds the single-daemon lock until its programs have stopped:
// a second daemon cannot start the same sessions meanwhile.
func TestFaultShutdownHoldsLockUntilStopped(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pk.toml")
	writeConfig(t, cfg, "[session.stubborn]\ncommand = \"sh -c \\\"trap '' TERM; echo up; exec sleep 1000\\\"\"\nstopwait = \"3s\"\n")
	d := startDaemon(t, "-c", cfg, "--ssh-listen", "off")
	if !testprog.WaitFor(wait, func() bool { return statusPid(t, d, "stubborn") != "" }) {
		t.Fatalf("session not up:\n%s", d.log)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(d.log.String(), "shutting down") }) {
		t.Fatal("daemon did not start shutting down")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, binary, "serve", "--demo", "--ssh-listen", "off")
	second.Env = d.env
	out, err := second.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "another ptykeeper daemon is running") {
		t.Fatalf("a second daemon started while the first was stopping its programs: %v\n%s", err, out)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("daemon exited %d:\n%s", code, d.log)
	}
}

// A 40 KB paste into a program that reads nothing, then Ctrl-\: the real
// client detaches at once and restores the terminal.
func TestFaultPasteThenDetach(t *testing.T) {
	d := startDaemon(t, "--session", "stall=sh -c 'stty raw -echo; echo stalled; exec sleep 1000'")
	tm := d.attach(t, "stall")
	tm.waitText(t, "stalled")
	paste := bytes.Repeat(append(bytes.Repeat([]byte("p"), 999), '\r'), 40)
	go tm.pty.Write(paste)            // the terminal's own buffer may not take it all at once
	time.Sleep(50 * time.Millisecond) // let the client read some of it: the paste comes first
	start := time.Now()
	tm.pty.Write([]byte{0x1c})
	if code := tm.wait(t); code != 0 {
		t.Fatalf("attach exited %d", code)
	}
	t.Logf("Ctrl-\\ after a 40 KB paste: the client exited after %v", time.Since(start))
	tm.waitText(t, "[detached from stall]")
	tio, err := unix.IoctlGetTermios(int(tm.pty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ECHO == 0 {
		t.Fatalf("terminal left in raw mode: lflag %#x", tio.Lflag)
	}
}

// --detach with a relative --socket listens where the user meant, not in /;
// the parent's readiness pipe does not reach the programs.
func TestFaultDetachRelativeSocketAndEnv(t *testing.T) {
	dir, _ := os.MkdirTemp("", "pk")
	defer os.RemoveAll(dir)
	cmd := exec.Command(binary, "--socket", "rel.sock", "serve", "--ssh-listen", "off", "--detach",
		"--log-file", filepath.Join(dir, "pk.log"), "--pidfile", "pk.pid", "--session", "e=sh -c 'env; exec sleep 1000'")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PTYKEEPER_SOCKET=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("--detach: %v %q", err, out)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "pk.pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if pid == 0 {
		t.Fatal("no pidfile")
	}
	defer func() {
		syscall.Kill(pid, syscall.SIGTERM)
		testprog.WaitFor(wait, func() bool { return syscall.Kill(pid, 0) != nil })
	}()
	if _, err := os.Stat(filepath.Join(dir, "rel.sock")); err != nil {
		t.Fatalf("socket not where --socket rel.sock said: %v", err)
	}
	snap := exec.Command(binary, "--socket", filepath.Join(dir, "rel.sock"), "snapshot", "e")
	var out []byte
	testprog.WaitFor(wait, func() bool {
		out, _ = snap.CombinedOutput()
		snap = exec.Command(binary, "--socket", filepath.Join(dir, "rel.sock"), "snapshot", "e")
		return strings.Contains(string(out), "PATH=")
	})
	if !strings.Contains(string(out), "PATH=") || strings.Contains(string(out), "PTYKEEPER_READY_FD") {
		t.Fatalf("program environment:\n%s", out)
	}
}

// A client that attaches the moment the daemon's socket appears finds the
// session started, not missing and not STOPPED.
func TestFaultAttachRightAfterStart(t *testing.T) {
	for range 3 {
		d := startDaemon(t, "--session", "hi=sh -c 'echo hello; exec sleep 1000'")
		tm := d.attach(t, "hi")
		tm.waitText(t, "hello")
		d.stop()
	}
}

// Signal storms: a hundred SIGHUPs and SIGUSR2s leave the daemon answering
// at once with no fd more; a storm of SIGTERMs stops it once, cleanly,
// with its programs.
func TestFaultSignalStorms(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pk.toml")
	writeConfig(t, cfg, "log_dir = \""+filepath.Join(dir, "logs")+"\"\n[session.c]\ncommand = \"sh -c 'while :; do echo tick; sleep 0.05; done'\"\n")
	d := startDaemon(t, "-c", cfg)
	pid := d.cmd.Process.Pid
	if !testprog.WaitFor(wait, func() bool { return statusPid(t, d, "c") != "" }) {
		t.Fatalf("session not up:\n%s", d.log)
	}
	prog, _ := strconv.Atoi(statusPid(t, d, "c"))
	fds := func() int { ents, _ := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd"); return len(ents) }
	before := fds()
	for range 100 {
		d.cmd.Process.Signal(syscall.SIGHUP)
		d.cmd.Process.Signal(syscall.SIGUSR2)
	}
	best := time.Hour
	for range 3 {
		start := time.Now()
		if out, code := d.run("ls"); code != 0 || !strings.Contains(out, "tick") {
			t.Fatalf("ls after the storm: %d %s", code, out)
		}
		best = min(best, time.Since(start))
	}
	if best > 100*time.Millisecond {
		t.Errorf("ls took %v after a signal storm", best)
	}
	if p, _ := strconv.Atoi(statusPid(t, d, "c")); p != prog {
		t.Fatalf("the program was restarted by reloads of an unchanged config: %d, was %d", p, prog)
	}
	if !testprog.WaitFor(wait, func() bool { return fds() <= before }) {
		t.Fatalf("fds: %d before the storm, %d after", before, fds())
	}
	for range 20 {
		d.cmd.Process.Signal(syscall.SIGTERM)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("exit %d after a SIGTERM storm:\n%s", code, d.log)
	}
	if strings.Count(d.log.String(), "msg=stopped") != 1 {
		t.Fatalf("stopped more than once:\n%s", d.log)
	}
	if syscall.Kill(prog, 0) == nil {
		t.Fatal("the program outlived the daemon")
	}
}
