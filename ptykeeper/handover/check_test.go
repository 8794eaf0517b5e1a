package handover_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
	"golang.org/x/sys/unix"
)

func stateFile(t *testing.T, f handover.Format, v any) *os.File {
	t.Helper()
	sf, err := f.NewStateFile(v)
	if err != nil {
		t.Fatalf("state file: %v", err)
	}
	t.Cleanup(func() { sf.Close() })
	return sf
}

func self(t *testing.T) string {
	t.Helper()
	p, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// program writes an executable file into a temp dir.
func program(t *testing.T, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ptykeeper-new")
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func script(t *testing.T, body string) string {
	return program(t, "#!/bin/sh\n"+body+"\n", 0o755)
}

// foreignELF is the start of an ELF executable for another architecture:
// the kernel refuses to run it with ENOEXEC.
func foreignELF() string {
	machine := uint16(183) // EM_AARCH64
	if runtime.GOARCH == "arm64" {
		machine = 62 // EM_X86_64
	}
	h := make([]byte, 64)
	copy(h, "\x7fELF\x02\x01\x01")
	h[16] = 2 // ET_EXEC
	h[18], h[19] = byte(machine), byte(machine>>8)
	h[20] = 1  // EV_CURRENT
	h[52] = 64 // e_ehsize
	h[54] = 56 // e_phentsize
	return string(h)
}

func TestCheckAcceptsState(t *testing.T) {
	sf := stateFile(t, testFormat, helperState{Pid: 1})
	ctx, cancel := context.WithTimeout(context.Background(), helperWait)
	defer cancel()
	if err := handover.Check(ctx, self(t), sf, nil); err != nil {
		t.Fatalf("check of a good state: %v", err)
	}
	// Again on the same file: the dry run shares its offset, and rewinds.
	if err := handover.Check(ctx, self(t), sf, nil); err != nil {
		t.Fatalf("second check: %v", err)
	}
}

// TestCheckFailures runs the dry run against binaries that must not be
// exec'd into, and checks that the error says why.
func TestCheckFailures(t *testing.T) {
	tests := []struct {
		name    string
		binary  func(t *testing.T) string
		state   any
		format  handover.Format
		timeout time.Duration
		is      error
		msg     string
	}{
		{name: "newer state", binary: self, state: helperState{Pid: 1}, format: handover.Format{Version: 9},
			is: handover.ErrRejected, msg: "rejected the state: unsupported state version: state written by format 9, this binary reads 1 and 2"},
		{name: "invalid state", binary: self, state: helperState{},
			is: handover.ErrRejected, msg: "rejected the state: state names no pid"},
		{name: "decode panics", binary: self, state: helperState{Round: -1, Pid: 1},
			is: handover.ErrRejected, msg: "rejected the state: panic while decoding the state: round -1"},
		{name: "exits at once", binary: func(t *testing.T) string { return script(t, "echo 'flag provided but not defined' >&2; exit 2") },
			msg: "exited with status 2 without answering; it said: flag provided but not defined"},
		{name: "answers error", binary: func(t *testing.T) string { return script(t, "echo 'error: state version 7 unknown'") },
			is: handover.ErrRejected, msg: "rejected the state: state version 7 unknown"},
		{name: "answers something else", binary: func(t *testing.T) string { return script(t, "echo 'usage: ptykeeper serve'") },
			msg: `answered "usage: ptykeeper serve", not "ok" (is it a ptykeeper binary?); it exited with status 0`},
		{name: "ok but fails", binary: func(t *testing.T) string { return script(t, "echo ok; exit 3") },
			msg: "answered ok but exited with status 3"},
		{name: "crashes", binary: func(t *testing.T) string { return script(t, "echo 'panic: boom' >&2; kill -SEGV $$") },
			msg: "ended (signal: segmentation fault) without answering; it said: panic: boom"},
		{name: "hangs", binary: func(t *testing.T) string { return script(t, "sleep 60") }, timeout: 300 * time.Millisecond,
			is: context.DeadlineExceeded, msg: "no answer within"},
		{name: "ok but hangs", binary: func(t *testing.T) string { return script(t, "echo ok; sleep 60") }, timeout: 300 * time.Millisecond,
			is: context.DeadlineExceeded, msg: "answered ok but did not exit within"},
		{name: "another architecture", binary: func(t *testing.T) string { return program(t, foreignELF(), 0o755) },
			is: syscall.ENOEXEC, msg: "not a program this machine (" + runtime.GOOS + "/" + runtime.GOARCH + ") can run"},
		{name: "not a program", binary: func(t *testing.T) string { return program(t, "just some text\n", 0o755) },
			is: syscall.ENOEXEC, msg: "not a program this machine"},
		{name: "not executable", binary: func(t *testing.T) string { return program(t, "#!/bin/sh\necho ok\n", 0o644) },
			is: syscall.EACCES, msg: "permission denied: is it an executable file"},
		{name: "missing", binary: func(t *testing.T) string { return filepath.Join(t.TempDir(), "nothing") },
			is: syscall.ENOENT, msg: "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.format.Version == 0 {
				tt.format = testFormat
			}
			if tt.timeout == 0 {
				tt.timeout = helperWait
			}
			binary := tt.binary(t)
			sf := stateFile(t, tt.format, tt.state)
			ctx, cancel := context.WithTimeout(context.Background(), tt.timeout)
			defer cancel()
			err := handover.Check(ctx, binary, sf, nil)
			if err == nil {
				t.Fatal("check succeeded")
			}
			t.Log(err)
			if !strings.HasPrefix(err.Error(), "dry run of "+binary+": ") {
				t.Errorf("error %q does not name the binary", err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
		})
	}
}

// On a timeout the dry run's whole process group is killed: nothing it
// started is left behind.
func TestCheckTimeoutKillsGroup(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	bin := script(t, "sleep 60 & echo $! > "+pidFile+"; wait")
	sf := stateFile(t, testFormat, helperState{Pid: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := handover.Check(ctx, bin, sf, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("check: %v, want a timeout", err)
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	waitFor(t, fmt.Sprintf("the dry run's sleep (pid %d) to die", pid), func() bool { return !alive(pid) })
}

// alive says whether pid exists and is not a zombie (an orphan's zombie
// waits for init, which is not ours to hurry).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z") && !strings.HasPrefix(rest, "X")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The dry run gets the environment minus what belongs to the daemon alone,
// and the state on fd 3 with nothing else of ours.
func TestCheckChildEnvironment(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "/run/systemd/notify")
	t.Setenv("LISTEN_FDS", "2")
	t.Setenv(handover.EnvStateFD, "7")
	t.Setenv("KEEP_ME", "yes")
	bin := script(t, `echo "error: notify=${NOTIFY_SOCKET-unset} listen=${LISTEN_FDS-unset} fd=${`+handover.EnvStateFD+`-unset} keep=$KEEP_ME fd3=$(head -c 8 <&3)"`)
	sf := stateFile(t, testFormat, helperState{Pid: 1})
	err := handover.Check(context.Background(), bin, sf, nil)
	want := "notify=unset listen=unset fd=unset keep=yes fd3=PTYKSTAT"
	if err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Fatalf("check: %v, want it to end with %q", err, want)
	}
}

// A daemon that reaps every child in one wait4 loop starts the dry run
// through its own StartFunc; Check must not call exec.Cmd.Wait then.
func TestCheckWithOwnReaper(t *testing.T) {
	started := 0
	start := func(cmd *exec.Cmd) (func() (int, error), error) {
		if err := cmd.Start(); err != nil {
			return nil, err
		}
		started++
		pid := cmd.Process.Pid
		cmd.Process.Release()
		return func() (int, error) {
			var ws unix.WaitStatus
			if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
				return -1, err
			}
			if ws.Signaled() {
				return -1, fmt.Errorf("killed by %v", ws.Signal())
			}
			return ws.ExitStatus(), nil
		}, nil
	}
	sf := stateFile(t, testFormat, helperState{Pid: 1})
	ctx, cancel := context.WithTimeout(context.Background(), helperWait)
	defer cancel()
	if err := handover.Check(ctx, self(t), sf, start); err != nil || started != 1 {
		t.Fatalf("check through a custom start: %v (started %d)", err, started)
	}
	err := handover.Check(ctx, script(t, "kill -TERM $$"), sf, start)
	if err == nil || !strings.Contains(err.Error(), "ended (killed by terminated) without answering") {
		t.Fatalf("check of a killed binary through a custom start: %v", err)
	}
	// Release set cmd.Process.Pid to -1: the timeout still finds and kills
	// the child (else wait would never return).
	short, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = handover.Check(short, script(t, "sleep 60"), sf, start)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("check of a hanging binary through a custom start: %v", err)
	}
}

// After a failed dry run the old image carries on: what it inherited goes
// back to close-on-exec and still works.
func TestCheckFailureThenDisinherit(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fds, err := handover.Inherit(ln)
	if err != nil {
		t.Fatal(err)
	}
	sf := stateFile(t, testFormat, helperState{Pid: 1})
	if err := handover.Check(context.Background(), script(t, "exit 1"), sf, nil); err == nil {
		t.Fatal("check of a failing binary succeeded")
	}
	if err := handover.Disinherit(fds...); err != nil {
		t.Fatal(err)
	}
	if !cloexec(t, fds[0]) {
		t.Error("listener not close-on-exec after Disinherit")
	}
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	a, err := ln.Accept()
	if err != nil {
		t.Fatalf("accept after an abandoned handover: %v", err)
	}
	a.Close()
}

func cloexec(t *testing.T, fd int) bool {
	t.Helper()
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		t.Fatalf("fd %d: %v", fd, err)
	}
	return flags&unix.FD_CLOEXEC != 0
}
