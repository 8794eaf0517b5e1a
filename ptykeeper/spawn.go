// spawn.go starts one program under a fresh PTY. It returns the master as a
// non-blocking, poller-registered *os.File, so that reads honour Close and
// deadlines (creack/pty's own ioctls switch the fd to blocking mode).

package ptykeeper

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// openPTY returns a non-blocking master and the slave, sized to sz.
func openPTY(sz Size) (master, tty *os.File, err error) {
	m, t, err := pty.Open()
	if err != nil {
		return nil, nil, fmt.Errorf("open pty: %w", err)
	}
	// pty.Open called Fd() on the master, which made it blocking for good.
	// Re-wrap a close-on-exec duplicate in non-blocking mode so the runtime
	// poller owns it.
	fd, err := unix.FcntlInt(m.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	m.Close()
	if err != nil {
		t.Close()
		return nil, nil, fmt.Errorf("dup pty master: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		t.Close()
		return nil, nil, fmt.Errorf("pty master non-blocking: %w", err)
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := setWinsize(master, sz); err != nil {
		master.Close()
		t.Close()
		return nil, nil, err
	}
	return master, t, nil
}

// setWinsize sets the window size on the PTY without calling Fd(), which
// would put the master back into blocking mode.
func setWinsize(master *os.File, sz Size) error {
	rc, err := master.SyscallConn()
	if err != nil {
		return fmt.Errorf("set window size: %w", err)
	}
	ws := &unix.Winsize{Col: uint16(sz.Cols), Row: uint16(sz.Rows)}
	var ioErr error
	if err := rc.Control(func(fd uintptr) {
		ioErr = unix.IoctlSetWinsize(int(fd), unix.TIOCSWINSZ, ws)
	}); err != nil {
		return fmt.Errorf("set window size: %w", err)
	}
	if ioErr != nil {
		return fmt.Errorf("set window size %v: %w", sz, ioErr)
	}
	return nil
}

// credential resolves the spec's user and group into what the child runs as,
// and the user's home directory. It is nil when no user is configured.
func (s Spec) credential() (cred *syscall.Credential, home string, err error) {
	home = os.Getenv("HOME")
	if s.User == "" && s.Group == "" {
		if home == "" {
			if u, err := user.Current(); err == nil {
				home = u.HomeDir
			}
		}
		return nil, home, nil
	}
	cred = &syscall.Credential{Uid: uint32(os.Getuid()), Gid: uint32(os.Getgid()), Groups: []uint32{}}
	if s.User != "" {
		u, err := lookupUser(s.User)
		if err != nil {
			return nil, "", fmt.Errorf("user %q: %w", s.User, err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred.Uid, cred.Gid, home = uint32(uid), uint32(gid), u.HomeDir
	}
	if s.Group != "" {
		g, err := user.LookupGroup(s.Group)
		if err != nil {
			if g, err = user.LookupGroupId(s.Group); err != nil {
				return nil, "", fmt.Errorf("group %q: %w", s.Group, err)
			}
		}
		gid, _ := strconv.Atoi(g.Gid)
		cred.Gid = uint32(gid)
	}
	return cred, home, nil
}

func lookupUser(name string) (*user.User, error) {
	if u, err := user.Lookup(name); err == nil {
		return u, nil
	}
	return user.LookupId(name)
}

// lookPath finds name in the program's PATH (not the daemon's).
func lookPath(name, path, dir string) (string, error) {
	if strings.Contains(name, "/") {
		if !filepath.IsAbs(name) && dir != "" {
			name = filepath.Join(dir, name)
		}
		return name, executable(name)
	}
	for _, d := range filepath.SplitList(path) {
		if d == "" {
			d = "."
		}
		p := filepath.Join(d, name)
		if executable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%q not found in PATH %s", name, path)
}

func executable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("%s: %w", p, os.ErrPermission)
	}
	return nil
}

// process is one started program: its PTY master (owned by the run that
// started it) and its pid.
type process struct {
	master *os.File
	pid    int
}

// spawn starts spec's command under a new PTY of size sz. The child is a
// session leader with the PTY as its controlling terminal, gets exactly fds
// 0, 1 and 2, default signal dispositions, and the environment from environ.
// The hooks run once when it exits (see reaper.go).
func spawn(spec Spec, sz Size, h *reapHooks) (*process, error) {
	cred, home, err := spec.credential()
	if err != nil {
		return nil, err
	}
	env := spec.environ(home)
	path, err := lookPath(spec.Command[0], lookupEnv(env, "PATH"), spec.Dir)
	if err != nil {
		return nil, fmt.Errorf("find command: %w", err)
	}
	argv := spec.Command
	if spec.Umask != "" || spec.NoFile > 0 {
		// Go cannot set a child's umask or rlimit between fork and exec;
		// our own binary does it and then execs the program (chpst style).
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find own binary for exec helper: %w", err)
		}
		argv = append([]string{self, execHelperArg, umaskArg(spec.Umask), strconv.FormatUint(spec.NoFile, 10), path}, spec.Command...)
		path = self
	}
	master, tty, err := openPTY(sz)
	if err != nil {
		return nil, err
	}
	defer tty.Close() // the child has its own copies; ours must go or EIO never comes
	cmd := &exec.Cmd{
		Path:   path,
		Args:   argv,
		Env:    env,
		Dir:    spec.Dir,
		Stdin:  tty,
		Stdout: tty,
		Stderr: tty,
		SysProcAttr: &syscall.SysProcAttr{
			Setsid:     true,
			Setctty:    true,
			Ctty:       0,
			Credential: cred,
		},
	}
	pid, err := reaper.start(cmd, h)
	if err != nil {
		master.Close()
		return nil, fmt.Errorf("start %s: %w", spec.Command[0], err)
	}
	return &process{master: master, pid: pid}, nil
}

func umaskArg(u string) string {
	if u == "" {
		return "-"
	}
	return u
}

// execHelperArg marks a re-exec of our own binary that applies umask and
// RLIMIT_NOFILE and then execs the real program.
const execHelperArg = "__ptykeeper_exec"

// RunExecHelper must be called first thing in main (and TestMain). When the
// process is the exec helper, it never returns.
func RunExecHelper() {
	if len(os.Args) < 6 || os.Args[1] != execHelperArg {
		return
	}
	if os.Args[2] != "-" {
		umask, _ := strconv.ParseUint(os.Args[2], 8, 12)
		unix.Umask(int(umask))
	}
	nofile, _ := strconv.ParseUint(os.Args[3], 10, 64)
	if nofile > 0 {
		lim := unix.Rlimit{Cur: nofile, Max: nofile}
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
			fmt.Fprintf(os.Stderr, "ptykeeper: set nofile %d: %v\r\n", nofile, err)
			os.Exit(127)
		}
	}
	err := unix.Exec(os.Args[4], os.Args[5:], os.Environ())
	fmt.Fprintf(os.Stderr, "ptykeeper: exec %s: %v\r\n", os.Args[4], err)
	os.Exit(127)
}

// ExitStatus is how a program's run ended.
type ExitStatus struct {
	Code   int            // exit code, or -1 when killed by a signal
	Signal syscall.Signal // 0 unless killed by a signal
}

func (e ExitStatus) String() string {
	if e.Signal != 0 {
		return fmt.Sprintf("killed by signal %d (%s)", int(e.Signal), unix.SignalName(e.Signal))
	}
	return fmt.Sprintf("exited %d", e.Code)
}

// Failed reports whether the status is not one of ok.
func (e ExitStatus) Failed(ok []int) bool {
	if e.Signal != 0 {
		return true
	}
	for _, c := range ok {
		if c == e.Code {
			return false
		}
	}
	return true
}

// ShellCode is the status a shell would report: the code, or 128+signal.
func (e ExitStatus) ShellCode() int {
	if e.Signal != 0 {
		return 128 + int(e.Signal)
	}
	return e.Code
}

func statusFromWait(ws unix.WaitStatus) ExitStatus {
	if ws.Signaled() {
		return ExitStatus{Code: -1, Signal: ws.Signal()}
	}
	return ExitStatus{Code: ws.ExitStatus()}
}
