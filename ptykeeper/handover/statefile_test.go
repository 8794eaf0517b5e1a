package handover_test

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
	"golang.org/x/sys/unix"
)

func fdOf(t *testing.T, f *os.File) int {
	t.Helper()
	fd, err := handover.FD(f)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// The state file is an anonymous memfd, sealed, rewound, close-on-exec
// until Exec, and nothing can change it: not this process, not the dry run.
func TestNewStateFile(t *testing.T) {
	want := helperState{Pid: 42, UnixPath: "/run/x.sock"}
	sf := stateFile(t, testFormat, want)
	fd := fdOf(t, sf)
	if link, _ := os.Readlink("/proc/self/fd/" + itoa(fd)); !strings.HasPrefix(link, "/memfd:ptykeeper-state") {
		t.Errorf("state fd is %q, want a memfd named ptykeeper-state", link)
	}
	if !cloexec(t, fd) {
		t.Error("state file is not close-on-exec")
	}
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{unix.F_SEAL_WRITE, unix.F_SEAL_GROW, unix.F_SEAL_SHRINK, unix.F_SEAL_SEAL} {
		if seals&s == 0 {
			t.Errorf("seal %#x missing (seals %#x)", s, seals)
		}
	}
	if _, err := sf.WriteAt([]byte("x"), 0); !errors.Is(err, unix.EPERM) {
		t.Errorf("write into the sealed state: %v, want EPERM", err)
	}
	if err := sf.Truncate(10); !errors.Is(err, unix.EPERM) {
		t.Errorf("truncate the sealed state: %v, want EPERM", err)
	}
	var got helperState
	if err := testFormat.Decode(sf, &got); err != nil || got.Pid != 42 || got.UnixPath != want.UnixPath {
		t.Fatalf("decode the state file: %+v, %v", got, err)
	}
}

// OpenStateFile (the dry run's fd 3, Resume's fd) marks the fd close-on-exec
// and rewinds: the dry run moves the offset the old image shares with it.
func TestOpenStateFile(t *testing.T) {
	sf := stateFile(t, testFormat, helperState{Pid: 7})
	io.CopyN(io.Discard, sf, 20)      // as a dry run would
	dup, err := unix.Dup(fdOf(t, sf)) // inherited: no FD_CLOEXEC
	if err != nil {
		t.Fatal(err)
	}
	f, err := handover.OpenStateFile(dup)
	if err != nil {
		unix.Close(dup)
		t.Fatal(err)
	}
	defer f.Close()
	if !cloexec(t, dup) {
		t.Error("opened state fd is not close-on-exec")
	}
	var got helperState
	if err := testFormat.Decode(f, &got); err != nil || got.Pid != 7 {
		t.Fatalf("decode after a partial read: %+v, %v", got, err)
	}
}

func TestOpenStateFileRefuses(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, err := handover.OpenStateFile(fdOf(t, r)); err == nil || !strings.Contains(err.Error(), "is not a state file") {
		t.Errorf("open a pipe as state: %v", err)
	}
	if _, err := handover.OpenStateFile(987); !errors.Is(err, unix.EBADF) {
		t.Errorf("open a closed fd as state: %v", err)
	}
}

func TestResume(t *testing.T) {
	t.Setenv(handover.EnvStateFD, "") // restored after the test
	os.Unsetenv(handover.EnvStateFD)
	if f, ok, err := handover.Resume(); f != nil || ok || err != nil {
		t.Fatalf("Resume without a hand-over: %v %v %v", f, ok, err)
	}

	sf := stateFile(t, testFormat, helperState{Pid: 9})
	dup, err := unix.Dup(fdOf(t, sf))
	if err != nil {
		t.Fatal(err)
	}
	os.Setenv(handover.EnvStateFD, itoa(dup))
	f, ok, err := handover.Resume()
	if err != nil || !ok {
		t.Fatalf("Resume: %v %v", ok, err)
	}
	defer f.Close()
	if _, set := os.LookupEnv(handover.EnvStateFD); set {
		t.Error("Resume left " + handover.EnvStateFD + " in the environment")
	}
	var got helperState
	if err := testFormat.Decode(f, &got); err != nil || got.Pid != 9 {
		t.Fatalf("decode resumed state: %+v, %v", got, err)
	}

	os.Setenv(handover.EnvStateFD, "seven")
	if _, ok, err := handover.Resume(); !ok || err == nil || !strings.Contains(err.Error(), `"seven" is not an fd number`) {
		t.Errorf("Resume with a bad fd: %v %v", ok, err)
	}
}

// Exec that fails (here: no such binary) leaves the process as it was: the
// flags it cleared are set again, the environment is untouched.
func TestExecFailureRestores(t *testing.T) {
	sf := stateFile(t, testFormat, helperState{Pid: 1})
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fds, err := handover.Inherit(w) // one inherited already, one not
	if err != nil {
		t.Fatal(err)
	}
	rfd := fdOf(t, r)
	err = handover.Exec("/nonexistent/ptykeeper", []string{"ptykeeper"}, os.Environ(), sf, rfd, fds[0])
	if err == nil || !errors.Is(err, unix.ENOENT) || !strings.Contains(err.Error(), "exec /nonexistent/ptykeeper") {
		t.Fatalf("Exec of a missing binary: %v", err)
	}
	if !cloexec(t, fdOf(t, sf)) || !cloexec(t, rfd) {
		t.Error("Exec left close-on-exec cleared after failing")
	}
	if cloexec(t, fds[0]) {
		t.Error("Exec set close-on-exec on an fd that had it cleared before")
	}
	if _, set := os.LookupEnv(handover.EnvStateFD); set {
		t.Error("Exec set " + handover.EnvStateFD + " in this process")
	}
	// Nothing broke: the pipe still carries bytes.
	w.Write([]byte("x"))
	if b := make([]byte, 1); func() bool { n, _ := r.Read(b); return n != 1 }() {
		t.Error("pipe broken after a failed Exec")
	}
}
