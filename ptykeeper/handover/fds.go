// fds.go owns the file descriptors that cross an execve: naming them in the
// old image, clearing or setting close-on-exec, and adopting them in the new
// image so that Go's runtime poller owns them again.

package handover

import (
	"fmt"
	"net"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// control runs fn with c's raw fd. It goes through SyscallConn, never Fd:
// os.File.Fd switches a pollable file to blocking mode, after which read
// deadlines are ignored and Close no longer interrupts a Read.
func control(c syscall.Conn, fn func(fd int) error) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// FD returns c's file descriptor number without changing anything about it
// (an *os.File, *net.TCPListener, *net.UnixListener, *net.UnixConn, …).
// The number stays valid as long as c is open: keep c open until Exec has
// succeeded or the hand-over is abandoned.
func FD(c syscall.Conn) (int, error) {
	var n int
	if err := control(c, func(fd int) error { n = fd; return nil }); err != nil {
		return -1, fmt.Errorf("get fd: %w", err)
	}
	return n, nil
}

// Inherit returns the fd numbers of files and clears FD_CLOEXEC on them, so
// that they survive an execve. On error the fds it had already cleared are
// marked close-on-exec again.
//
// Exec clears the flags itself; Inherit is for callers that need them
// cleared earlier. Until Disinherit, every child this process forks inherits
// these fds, and code that marks every fd close-on-exec before forking
// (ptykeeper's reaper does) undoes Inherit.
func Inherit(files ...syscall.Conn) ([]int, error) {
	fds := make([]int, 0, len(files))
	for i, c := range files {
		fd, err := FD(c)
		if err == nil {
			err = setCloexec(fd, false)
		}
		if err != nil {
			Disinherit(fds...)
			return nil, fmt.Errorf("inherit file %d of %d: %w", i+1, len(files), err)
		}
		fds = append(fds, fd)
	}
	return fds, nil
}

// Disinherit sets FD_CLOEXEC again on fds: the abort path after Inherit. It
// tries every fd and reports the first failure.
func Disinherit(fds ...int) error {
	var first error
	for _, fd := range fds {
		if err := setCloexec(fd, true); err != nil && first == nil {
			first = fmt.Errorf("disinherit fd %d: %w", fd, err)
		}
	}
	return first
}

func setCloexec(fd int, on bool) error {
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		return err
	}
	if on {
		flags |= unix.FD_CLOEXEC
	} else {
		flags &^= unix.FD_CLOEXEC
	}
	_, err = unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags)
	return err
}

// AdoptFile takes over an inherited fd as an *os.File named name (used in
// error messages). It marks the fd close-on-exec, so programs started later
// do not inherit it, and puts it in non-blocking mode before os.NewFile, so
// that the file is registered with Go's poller: read deadlines work and
// Close interrupts a blocked Read (a PTY master from creack/pty arrives in
// blocking mode). Regular files cannot be polled and keep working as
// blocking files.
func AdoptFile(fd int, name string) (*os.File, error) {
	if err := setCloexec(fd, true); err != nil {
		return nil, fmt.Errorf("adopt %s (fd %d): %w", name, fd, err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		return nil, fmt.Errorf("adopt %s (fd %d): set non-blocking: %w", name, fd, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// AdoptListener takes over an inherited listening socket (TCP or Unix).
// net.FileListener works on a close-on-exec duplicate; the inherited fd is
// closed, so the listener's fd number differs from fd.
//
// A Unix listener made this way does not remove its socket file on Close
// (net only does that for ListenUnix); call SetUnlinkOnClose(true) on the
// *net.UnixListener to keep that behaviour.
func AdoptListener(fd int) (net.Listener, error) {
	f, err := adoptSocket(fd, "listener")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, fmt.Errorf("adopt listener (fd %d): %w", fd, err)
	}
	return ln, nil
}

// AdoptConn takes over an inherited connected socket (a local client). As
// with AdoptListener, the conn works on a duplicate and fd is closed.
func AdoptConn(fd int) (net.Conn, error) {
	f, err := adoptSocket(fd, "conn")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("adopt conn (fd %d): %w", fd, err)
	}
	return c, nil
}

// adoptSocket checks fd and wraps it for net.File*, which duplicates it.
func adoptSocket(fd int, what string) (*os.File, error) {
	if err := setCloexec(fd, true); err != nil {
		return nil, fmt.Errorf("adopt %s (fd %d): %w", what, fd, err)
	}
	return os.NewFile(uintptr(fd), what), nil
}
