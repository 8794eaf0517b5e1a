package handover_test

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
	"golang.org/x/sys/unix"
)

func nonblocking(t *testing.T, fd int) bool {
	t.Helper()
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fl&unix.O_NONBLOCK != 0
}

// Inherit clears close-on-exec on exactly the files given and leaves them
// pollable (Fd() would have made the pipe blocking); Disinherit sets it back.
func TestInheritDisinherit(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	tcp, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer tcp.Close()
	un, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(t.TempDir(), "s"), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer un.Close()
	files := []syscall.Conn{r, tcp, un}
	fds, err := handover.Inherit(files...)
	if err != nil {
		t.Fatal(err)
	}
	for i, fd := range fds {
		if want, _ := handover.FD(files[i]); want != fd {
			t.Errorf("Inherit returned fd %d for file %d, FD says %d", fd, i, want)
		}
		if cloexec(t, fd) {
			t.Errorf("fd %d still close-on-exec after Inherit", fd)
		}
		if !nonblocking(t, fd) {
			t.Errorf("fd %d blocking after Inherit", fd)
		}
	}
	if !cloexec(t, fdOf(t, w)) {
		t.Error("Inherit touched a file it was not given")
	}
	r.SetReadDeadline(time.Now().Add(time.Millisecond))
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read deadline after Inherit: %v", err)
	}
	if err := handover.Disinherit(fds...); err != nil {
		t.Fatal(err)
	}
	for _, fd := range fds {
		if !cloexec(t, fd) {
			t.Errorf("fd %d not close-on-exec after Disinherit", fd)
		}
	}
	if err := handover.Disinherit(12345); !errors.Is(err, unix.EBADF) {
		t.Errorf("Disinherit of a closed fd: %v", err)
	}
}

// inherited returns a duplicate of c's fd without close-on-exec: what a new
// image finds after execve.
func inherited(t *testing.T, c syscall.Conn) int {
	t.Helper()
	fd, err := handover.FD(c)
	if err != nil {
		t.Fatal(err)
	}
	d, err := unix.Dup(fd)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// AdoptFile on a blocking fd (a PTY master from creack/pty is one) gives a
// file Go's poller owns: deadlines work and Close interrupts a Read.
// os.NewFile alone would not.
func TestAdoptFileIsPollable(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], 0); err != nil { // blocking, inheritable
		t.Fatal(err)
	}
	w := os.NewFile(uintptr(p[1]), "w")
	defer w.Close()
	plain := os.NewFile(uintptr(p[0]), "plain")
	if err := plain.SetReadDeadline(time.Now()); !errors.Is(err, os.ErrNoDeadline) {
		t.Fatalf("os.NewFile on a blocking fd: SetReadDeadline %v, want ErrNoDeadline", err)
	}
	d, err := unix.Dup(p[0])
	if err != nil {
		t.Fatal(err)
	}
	plain.Close()

	f, err := handover.AdoptFile(d, "pty")
	if err != nil {
		t.Fatal(err)
	}
	if !cloexec(t, d) || !nonblocking(t, d) {
		t.Error("adopted fd not close-on-exec and non-blocking")
	}
	f.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := f.Read(make([]byte, 1)); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with a deadline on the adopted file: %v", err)
	}
	f.SetReadDeadline(time.Time{})
	done := make(chan error)
	go func() {
		_, err := f.Read(make([]byte, 1))
		done <- err
	}()
	f.Close()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Fatalf("read interrupted by Close: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not interrupt a Read on the adopted file")
	}
	if _, err := handover.AdoptFile(d, "closed"); !errors.Is(err, unix.EBADF) {
		t.Errorf("adopt a closed fd: %v", err)
	}
}

// AdoptListener and AdoptConn work on duplicates and close the inherited
// fd; what they return carries on where the old objects were.
func TestAdoptListenerAndConn(t *testing.T) {
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fd := inherited(t, ln)
	adopted, err := handover.AdoptListener(fd)
	if err != nil {
		t.Fatal(err)
	}
	defer adopted.Close()
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); !errors.Is(err, unix.EBADF) {
		t.Errorf("inherited listener fd %d still open after AdoptListener", fd)
	}
	if adopted.Addr().String() != ln.Addr().String() {
		t.Errorf("adopted listener on %s, want %s", adopted.Addr(), ln.Addr())
	}
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server, err := adopted.Accept()
	if err != nil {
		t.Fatalf("accept on adopted listener: %v", err)
	}
	cfd := inherited(t, server.(*net.TCPConn))
	server.Close() // the old image's object is gone; the inherited fd keeps the connection
	conn, err := handover.AdoptConn(cfd)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("a"))
	client.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := client.Read(make([]byte, 1)); err != nil {
		t.Fatalf("client reading from adopted conn: %v", err)
	}
	client.Write([]byte("b"))
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Read(make([]byte, 1)); err != nil {
		t.Fatalf("adopted conn reading from client: %v", err)
	}
	if _, err := handover.AdoptListener(cfd); err == nil {
		t.Error("adopting a closed fd as a listener succeeded")
	}
	if _, err := handover.AdoptConn(-1); err == nil {
		t.Error("adopting fd -1 as a conn succeeded")
	}
}
