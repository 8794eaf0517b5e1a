package handover_test

// The helper programs: this test binary, run with envHelper set, becomes a
// small daemon that hands itself over to itself with a real execve. Its
// first image sets up what a ptykeeper daemon holds (a PTY with a program,
// a Unix and a TCP listener, a connected client, a lock file); each later
// image adopts all of it and says on stdout what it found. The test reads
// those lines and plays the client.

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/creack/pty"
	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
	"golang.org/x/sys/unix"
)

const (
	envHelper  = "HANDOVER_TEST_HELPER"   // "upgrade" or "loop"
	envDir     = "HANDOVER_TEST_DIR"      // a private temp dir
	envRounds  = "HANDOVER_TEST_ROUNDS"   // loop: how many handovers
	envCheckNS = "HANDOVER_TEST_CHECK_NS" // how long the last dry run took
	envExecAt  = "HANDOVER_TEST_EXEC_AT"  // CLOCK_MONOTONIC ns just before execve
)

// runHelper runs the helper named by the environment, if any, and exits.
func runHelper() {
	mode := os.Getenv(envHelper)
	if mode == "" {
		return
	}
	var err error
	switch mode {
	case "upgrade":
		err = upgradeHelper(os.Getenv(envDir))
	case "loop":
		err = loopHelper(os.Getenv(envDir))
	default:
		err = fmt.Errorf("unknown helper %q", mode)
	}
	if err != nil {
		say("fail %v", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func say(format string, a ...any) { fmt.Printf(format+"\n", a...) }

// held is what a helper image holds, whether it made or adopted it.
type held struct {
	child     int
	ptmx      *os.File
	unixLn    *net.UnixListener
	tcpLn     *net.TCPListener
	conn      *net.UnixConn // the test's connection (upgrade) or one end of a pair (loop)
	peer      *net.UnixConn // loop: the other end
	lock      *os.File
	unixPath  string
	tcpAddr   string
	round     int
	stateFile *os.File
}

// setUp makes everything from scratch: the first image.
func setUp(dir string) (*held, error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, fmt.Errorf("subreaper: %w", err)
	}
	cmd := exec.Command("/bin/sh", "-c", "cat; exit 7")
	ptmx, err := pty.Start(cmd)
	if err != nil {
		return nil, fmt.Errorf("start cat: %w", err)
	}
	h := &held{child: cmd.Process.Pid, ptmx: ptmx, unixPath: filepath.Join(dir, "s.sock")}
	// Waited for with wait4 by whichever image sees it exit: drop the pidfd.
	cmd.Process.Release()
	if h.unixLn, err = net.ListenUnix("unix", &net.UnixAddr{Name: h.unixPath, Net: "unix"}); err != nil {
		return nil, err
	}
	if h.tcpLn, err = net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
		return nil, err
	}
	h.tcpAddr = h.tcpLn.Addr().String()
	if h.lock, err = lockFile(filepath.Join(dir, "lock")); err != nil {
		return nil, err
	}
	// A second lock through an fd that is not handed over: dropped at exec.
	if _, err = lockFile(filepath.Join(dir, "lock2")); err != nil {
		return nil, err
	}
	return h, nil
}

func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	var errLock error
	if err := f2c(f).Control(func(fd uintptr) { errLock = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB) }); err != nil {
		return nil, err
	}
	if errLock != nil {
		return nil, fmt.Errorf("flock %s: %w", path, errLock)
	}
	return f, nil
}

func f2c(f *os.File) syscall.RawConn {
	rc, _ := f.SyscallConn()
	return rc
}

// resume adopts what the previous image handed over.
func resume() (*held, error) {
	sf, ok, err := handover.Resume()
	if err != nil || !ok {
		return nil, err
	}
	var st helperState
	err = testFormat.Decode(sf, &st)
	sf.Close()
	if err != nil {
		return nil, err
	}
	if st.Pid != os.Getpid() {
		return nil, fmt.Errorf("state written by pid %d, this is pid %d", st.Pid, os.Getpid())
	}
	if os.Getenv(handover.EnvStateFD) != "" {
		return nil, errors.New("Resume left " + handover.EnvStateFD + " set")
	}
	h := &held{child: st.Child, unixPath: st.UnixPath, tcpAddr: st.TCPAddr, round: st.Round}
	if h.ptmx, err = handover.AdoptFile(st.PTY, "pty"); err != nil {
		return nil, err
	}
	if h.lock, err = handover.AdoptFile(st.Lock, "lock"); err != nil {
		return nil, err
	}
	ln, err := handover.AdoptListener(st.Unix)
	if err != nil {
		return nil, err
	}
	h.unixLn = ln.(*net.UnixListener)
	if ln, err = handover.AdoptListener(st.TCP); err != nil {
		return nil, err
	}
	h.tcpLn = ln.(*net.TCPListener)
	c, err := handover.AdoptConn(st.Conn)
	if err != nil {
		return nil, err
	}
	h.conn = c.(*net.UnixConn)
	if st.Peer > 0 {
		if c, err = handover.AdoptConn(st.Peer); err != nil {
			return nil, err
		}
		h.peer = c.(*net.UnixConn)
	}
	return h, nil
}

// handOver writes the state, has this binary check it, and execs it.
func (h *held) handOver() error {
	st := helperState{Round: h.round + 1, Pid: os.Getpid(), Child: h.child, UnixPath: h.unixPath, TCPAddr: h.tcpAddr}
	var fds []int
	for _, x := range []struct {
		c  syscall.Conn
		fd *int
	}{{h.ptmx, &st.PTY}, {h.unixLn, &st.Unix}, {h.tcpLn, &st.TCP}, {h.conn, &st.Conn}, {h.lock, &st.Lock}, {h.peer, &st.Peer}} {
		if x.c == (*net.UnixConn)(nil) {
			continue
		}
		fd, err := handover.FD(x.c)
		if err != nil {
			return err
		}
		*x.fd = fd
		fds = append(fds, fd)
	}
	sf, err := testFormat.NewStateFile(st)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	t0 := monotonic()
	if err := handover.Check(ctx, self, sf, nil); err != nil {
		return err
	}
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, envCheckNS+"=") || strings.HasPrefix(kv, envExecAt+"=")
	})
	env = append(env, envCheckNS+"="+strconv.FormatInt(monotonic()-t0, 10),
		envExecAt+"="+strconv.FormatInt(monotonic(), 10))
	err = handover.Exec(self, os.Args, env, sf, fds...)
	return fmt.Errorf("still here: %w", err)
}

func upgradeHelper(dir string) error {
	h, err := resume()
	if err != nil {
		return err
	}
	if h == nil {
		return upgradeFirst(dir)
	}
	return upgradeSecond(dir, h)
}

func upgradeFirst(dir string) error {
	h, err := setUp(dir)
	if err != nil {
		return err
	}
	if err := ptyRoundTrip(h.ptmx, "before"); err != nil {
		return err
	}
	say("image1 pid=%d child=%d unix=%s tcp=%s", os.Getpid(), h.child, h.unixPath, h.tcpAddr)
	c, err := h.unixLn.AcceptUnix()
	if err != nil {
		return err
	}
	h.conn = c
	if _, err := c.Write([]byte("hello from image 1\n")); err != nil {
		return err
	}
	return h.handOver()
}

func upgradeSecond(dir string, h *held) error {
	var sub int32
	if err := unix.Prctl(unix.PR_GET_CHILD_SUBREAPER, uintptr(unsafe.Pointer(&sub)), 0, 0, 0); err != nil {
		return err
	}
	pollable := h.ptmx.SetReadDeadline(time.Now().Add(10*time.Second)) == nil
	say("image2 pid=%d subreaper=%d lock=%s lock2=%s pollable=%t ppid-of-child=%d", os.Getpid(), sub,
		lockState(filepath.Join(dir, "lock")), lockState(filepath.Join(dir, "lock2")), pollable, ppid(h.child))

	// The client's connection: what it sent during the exec, then both ways.
	h.conn.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(h.conn)
	early, err := r.ReadString('\n')
	if err != nil {
		return fmt.Errorf("read from the kept client: %w", err)
	}
	say("client sent %q", strings.TrimSpace(early))
	if _, err := h.conn.Write([]byte("hello from image 2\n")); err != nil {
		return err
	}
	if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
		return fmt.Errorf("read ping: %q, %v", line, err)
	}
	h.conn.Write([]byte("pong\n"))

	// Both listeners still accept.
	for _, ln := range []net.Listener{h.unixLn, h.tcpLn} {
		c, err := ln.Accept()
		if err != nil {
			return fmt.Errorf("accept on adopted %s listener: %w", ln.Addr().Network(), err)
		}
		c.Write([]byte("accepted\n"))
		c.Close()
	}
	return finishChild(h)
}

// finishChild checks the program still echoes, ends it (EOF on its
// terminal) and collects its exit status: proof that it is still our child.
func finishChild(h *held) error {
	if err := ptyRoundTrip(h.ptmx, "after handover"); err != nil {
		return err
	}
	say("pty echoed")
	if _, err := h.ptmx.Write([]byte{4}); err != nil { // VEOF: cat ends, sh exits 7
		return err
	}
	var ws unix.WaitStatus
	pid, err := unix.Wait4(h.child, &ws, 0, nil)
	if err != nil {
		return fmt.Errorf("wait4 %d: %w", h.child, err)
	}
	say("child %d exited %d zombies=%d", pid, ws.ExitStatus(), zombies())
	return nil
}

// ptyRoundTrip types s into the terminal and reads until cat has echoed it
// (the terminal's echo, then cat's copy: s twice).
func ptyRoundTrip(ptmx *os.File, s string) error {
	if _, err := ptmx.Write([]byte(s + "\n")); err != nil {
		return fmt.Errorf("write pty: %w", err)
	}
	var seen []byte
	buf := make([]byte, 1024)
	deadline := time.Now().Add(10 * time.Second)
	for bytes.Count(seen, []byte(s)) < 2 {
		if time.Now().After(deadline) {
			return fmt.Errorf("pty: no echo of %q, got %q", s, seen)
		}
		ptmx.SetReadDeadline(deadline) // a no-op on a blocking master (first image)
		n, err := ptmx.Read(buf)
		if err != nil {
			return fmt.Errorf("read pty: %w (got %q)", err, seen)
		}
		seen = append(seen, buf[:n]...)
	}
	return nil
}

// lockState says whether a fresh open file description can take the lock.
func lockState(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "error:" + err.Error()
	}
	defer f.Close()
	var errLock error
	f2c(f).Control(func(fd uintptr) { errLock = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB) })
	switch {
	case errLock == nil:
		return "free"
	case errors.Is(errLock, unix.EWOULDBLOCK):
		return "held"
	}
	return "error:" + errLock.Error()
}

func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	_, rest, _ := bytes.Cut(b, []byte(") ")) // after "pid (comm) "
	f := strings.Fields(string(rest))
	if len(f) < 2 {
		return -1
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// zombies counts exited children nobody has reaped.
func zombies() int {
	n := 0
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		_, rest, _ := bytes.Cut(b, []byte(") "))
		if f := strings.Fields(string(rest)); len(f) > 1 && f[0] == "Z" && f[1] == strconv.Itoa(os.Getpid()) {
			n++
		}
	}
	return n
}

func monotonic() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// timings says how long the last dry run took and how long it was from
// just before execve to now.
func timings() string {
	check, _ := strconv.ParseInt(os.Getenv(envCheckNS), 10, 64)
	at, _ := strconv.ParseInt(os.Getenv(envExecAt), 10, 64)
	if at == 0 {
		return "check=0 exec=0"
	}
	return fmt.Sprintf("check=%d exec=%d", check/1000, (monotonic()-at)/1000)
}

func countFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents) - 1 // the directory's own fd
}

// loopHelper hands over to itself envRounds times, saying how many fds each
// image has once it has adopted everything.
func loopHelper(dir string) error {
	rounds, _ := strconv.Atoi(os.Getenv(envRounds))
	h, err := resume()
	if err != nil {
		return err
	}
	if h == nil {
		if h, err = setUp(dir); err != nil {
			return err
		}
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		for i, p := range []**net.UnixConn{&h.conn, &h.peer} {
			f := os.NewFile(uintptr(fds[i]), "pair")
			c, err := net.FileConn(f)
			f.Close()
			if err != nil {
				return err
			}
			*p = c.(*net.UnixConn)
		}
	}
	say("round %d pid=%d fds=%d zombies=%d %s", h.round, os.Getpid(), countFDs(), zombies(), timings())

	if h.round < rounds {
		return h.handOver()
	}
	// The pair still carries bytes both ways after all those images.
	for _, ends := range [][2]*net.UnixConn{{h.conn, h.peer}, {h.peer, h.conn}} {
		ends[0].Write([]byte("x"))
		ends[1].SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(ends[1], make([]byte, 1)); err != nil {
			return fmt.Errorf("socketpair after %d handovers: %w", rounds, err)
		}
	}
	return finishChild(h)
}
