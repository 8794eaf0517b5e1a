// socket.go places, guards and opens the daemon's Unix socket.
//
// The socket lives in a 0700 directory and is itself 0600; the server also
// checks every peer's uid (SO_PEERCRED), so only the daemon's own user and
// root get in. One daemon per socket: a lock file held for the daemon's life
// tells a live daemon from a stale socket left by a crash.

package attach

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// ErrRunning means another daemon serves the socket.
var ErrRunning = errors.New("another ptykeeper daemon is running")

// Listener is the daemon's socket with its lock.
type Listener struct {
	*net.UnixListener
	Path string
	lock *os.File
}

// Listen creates the socket directory (0700, and refuses one that others
// can write to), takes the lock, removes a stale socket and listens (0600).
func Listen(path string) (*Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create socket directory: %w", err)
	}
	if err := checkPrivateDir(dir); err != nil {
		return nil, err
	}
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		pid, _ := os.ReadFile(path + ".lock")
		lock.Close()
		return nil, fmt.Errorf("%w on %s (pid %s)", ErrRunning, path, strings.TrimSpace(string(pid)))
	}
	lock.Truncate(0)
	lock.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	// We hold the lock, so a socket file here is stale.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		lock.Close()
		return nil, fmt.Errorf("remove stale socket: %w", err)
	}
	old := unix.Umask(0o177)
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	unix.Umask(old)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	return &Listener{UnixListener: l, Path: path, lock: lock}, nil
}

// Adopt makes a Listener of a socket and a held lock inherited from an
// earlier image of the daemon (an upgrade).
func Adopt(l *net.UnixListener, path string, lock *os.File) *Listener {
	l.SetUnlinkOnClose(true)
	return &Listener{UnixListener: l, Path: path, lock: lock}
}

// Lock returns the lock file (held for the daemon's life): an upgrade
// hands it to the new image.
func (l *Listener) Lock() *os.File { return l.lock }

// StopAccepting closes the listener and removes the socket, but keeps the
// lock: a daemon shutting down holds it until its programs are stopped, so
// that no second daemon starts the same sessions meanwhile.
func (l *Listener) StopAccepting() error {
	err := l.UnixListener.Close() // unlinks the socket
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Close stops accepting and releases the lock.
func (l *Listener) Close() error {
	err := l.StopAccepting()
	l.lock.Close()
	return err
}

func checkPrivateDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if ok && int(sys.Uid) != os.Getuid() {
		return fmt.Errorf("socket directory %s belongs to uid %d, not to us (%d)", dir, sys.Uid, os.Getuid())
	}
	if st.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("socket directory %s is writable by others (mode %v); chmod 700 it", dir, st.Mode().Perm())
	}
	return nil
}

// peerAllowed checks the connecting process's uid: ours or root.
func peerAllowed(c *net.UnixConn) (uid int, ok bool) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, false
	}
	var cred *unix.Ucred
	var credErr error
	rc.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	})
	if credErr != nil || cred == nil {
		return -1, false
	}
	return int(cred.Uid), int(cred.Uid) == os.Getuid() || cred.Uid == 0
}

// ErrNoDaemon means nothing listens on the socket.
type ErrNoDaemon struct{ Path string }

func (e *ErrNoDaemon) Error() string {
	return fmt.Sprintf("no ptykeeper daemon is running on %s\nstart one with: ptykeeper serve --demo   (or: ptykeeper serve -c CONFIG)", e.Path)
}

// Dial connects to the daemon.
func Dial(path string) (*net.UnixConn, error) {
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ECONNREFUSED) {
			return nil, &ErrNoDaemon{Path: path}
		}
		return nil, fmt.Errorf("connect to %s: %w", path, err)
	}
	return c, nil
}
