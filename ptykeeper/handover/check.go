// check.go owns the dry run: the old image starts the new binary as a child
// that decodes the state and answers "ok" or "error: <reason>" on stdout,
// and nothing is replaced unless it said "ok" and exited 0 in time.

package handover

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultCheckTimeout bounds a dry run whose context has no deadline.
const DefaultCheckTimeout = 30 * time.Second

// ErrRejected wraps the reason a binary gave for refusing the state.
var ErrRejected = errors.New("rejected the state")

// StartFunc starts cmd and returns how to wait for it. wait blocks until the
// child has exited and returns its exit code, or -1 if it did not exit
// normally, with an error saying how it ended (killed by a signal) or why
// waiting failed. It lets a daemon that reaps every child in one wait4(-1)
// loop start the dry run through that loop: exec.Cmd.Wait would race it.
type StartFunc func(cmd *exec.Cmd) (wait func() (exitCode int, err error), err error)

// Start is the StartFunc for processes that may use exec.Cmd.Wait: tests,
// tools, anything without a reaper of its own.
func Start(cmd *exec.Cmd) (func() (int, error), error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return func() (int, error) {
		err := cmd.Wait()
		var ee *exec.ExitError
		switch {
		case err == nil:
			return 0, nil
		case errors.As(err, &ee) && ee.Exited():
			return ee.ExitCode(), nil
		case errors.As(err, &ee):
			return -1, errors.New(ee.ProcessState.String()) // "signal: killed"
		}
		return -1, err
	}, nil
}

// Check runs `binary CheckArg` with state as fd 3 and returns nil only if it
// printed "ok" as its first line and exited 0 before ctx is done (without a
// deadline, DefaultCheckTimeout applies). Otherwise the error names the
// cause: the binary could not be started (missing, not executable, not a
// program for this machine), it rejected the state (ErrRejected, with its
// reason), it crashed or exited without answering (with the first line of
// its stderr), it answered something else, or it ran out of time (wraps
// context.DeadlineExceeded). binary is a path: without a slash it is
// relative to the working directory, as for Exec, not looked up in PATH.
//
// The child runs in its own process group, with the environment of this
// process minus what belongs to this process alone (NOTIFY_SOCKET,
// LISTEN_*, WATCHDOG_*, EnvStateFD), and stdin from /dev/null. On timeout
// the whole group is killed and the child is waited for before Check
// returns. start nil means Start.
func Check(ctx context.Context, binary string, state *os.File, start StartFunc) error {
	if start == nil {
		start = Start
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultCheckTimeout)
		defer cancel()
	}
	began := time.Now()
	d, err := runCheck(ctx, binary, state, start)
	if err != nil {
		return err
	}
	return d.verdict(binary, time.Since(began))
}

// dryRun is what a dry run left behind.
type dryRun struct {
	out, stderr []byte // the first bytes of each
	code        int
	waitErr     error
	timedOut    error // ctx's error if it ended first
}

const keepOutput = 4 << 10

func runCheck(ctx context.Context, binary string, state *os.File, start StartFunc) (*dryRun, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("dry run: stdout pipe: %w", err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, fmt.Errorf("dry run: stderr pipe: %w", err)
	}
	defer outR.Close()
	defer errR.Close()
	c := dryRunChild{pidfd: -1}
	cmd := &exec.Cmd{
		Path:        binary,
		Args:        []string{binary, CheckArg},
		Env:         childEnv(os.Environ()),
		Stdout:      outW,
		Stderr:      errW,
		ExtraFiles:  []*os.File{state},
		SysProcAttr: &syscall.SysProcAttr{Setpgid: true, PidFD: &c.pidfd},
	}
	wait, err := start(cmd)
	outW.Close() // the child has its copies; EOF comes when they are gone
	errW.Close()
	if err != nil {
		return nil, startError(binary, err)
	}
	c.identify(cmd)
	defer c.close()
	outc, errc := readHead(outR), readHead(errR)
	exited := make(chan dryRun, 1)
	go func() {
		code, err := wait()
		exited <- dryRun{code: code, waitErr: err}
	}()
	var d dryRun
	select {
	case d = <-exited:
	case <-ctx.Done():
		c.kill()
		d = <-exited
		d.timedOut = ctx.Err()
	}
	// The pipes are at EOF unless something the child started still holds
	// them: give that a moment, then kill the group. The group exists only
	// while members remain, so its id cannot belong to a stranger then.
	grace := time.Now().Add(time.Second)
	outR.SetReadDeadline(grace)
	errR.SetReadDeadline(grace)
	out, errOut := <-outc, <-errc
	if out.err != nil || errOut.err != nil {
		c.kill()
	}
	d.out, d.stderr = out.head, errOut.head
	return &d, nil
}

// dryRunChild names the dry run's process without relying on cmd.Process
// after start: a StartFunc that waits by pid itself may Release it, which
// sets Pid to -1 (and kill(-(-1)) would signal init). The pidfd cannot name
// another process; the process group (Setpgid: its id is the child's pid)
// takes whatever the child started along.
type dryRunChild struct {
	pidfd int // -1 if the kernel gave none
	pid   int // 0 if unknown
}

func (c *dryRunChild) identify(cmd *exec.Cmd) {
	if c.pidfd >= 0 {
		c.pid = pidOfPidfd(c.pidfd)
	} else if cmd.Process != nil {
		c.pid = cmd.Process.Pid
	}
}

// kill sends SIGKILL to the child and its process group. Called before the
// child is waited for, or when something in its group still holds its
// pipes: either way the group exists, so its id is not a stranger's.
func (c *dryRunChild) kill() {
	if c.pidfd >= 0 {
		unix.PidfdSendSignal(c.pidfd, unix.SIGKILL, nil, 0)
	}
	if c.pid > 1 {
		unix.Kill(-c.pid, unix.SIGKILL)
	}
}

func (c *dryRunChild) close() {
	if c.pidfd >= 0 {
		unix.Close(c.pidfd)
	}
}

// pidOfPidfd reads the pid a pidfd refers to from /proc/self/fdinfo
// ("Pid:\t1234"; -1 once it has been reaped). It returns 0 if unknown.
func pidOfPidfd(pidfd int) int {
	b, err := os.ReadFile("/proc/self/fdinfo/" + strconv.Itoa(pidfd))
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Pid:"); ok {
			if pid, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && pid > 0 {
				return pid
			}
		}
	}
	return 0
}

type head struct {
	head []byte
	err  error // non-nil if reading stopped before EOF
}

// readHead reads r to EOF in a goroutine (so the child never blocks on a
// full pipe) and keeps the first keepOutput bytes.
func readHead(r io.Reader) <-chan head {
	c := make(chan head, 1)
	go func() {
		var b bytes.Buffer
		_, err := io.Copy(&limitedBuffer{&b}, r)
		c <- head{b.Bytes(), err}
	}()
	return c
}

// limitedBuffer keeps the first keepOutput bytes written and discards the rest.
type limitedBuffer struct{ b *bytes.Buffer }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := keepOutput - l.b.Len(); room > 0 {
		l.b.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (d *dryRun) verdict(binary string, took time.Duration) error {
	answer, _, _ := strings.Cut(string(d.out), "\n")
	answer = strings.TrimSuffix(answer, "\r")
	answered := len(d.out) > 0
	switch {
	case answered && strings.HasPrefix(answer, "error: "):
		return fmt.Errorf("dry run of %s: %w: %s", binary, ErrRejected, strings.TrimPrefix(answer, "error: "))
	case d.timedOut != nil && answered && answer == "ok":
		return fmt.Errorf("dry run of %s: answered ok but did not exit within %v: %w", binary, took.Round(time.Millisecond), d.timedOut)
	case d.timedOut != nil:
		return fmt.Errorf("dry run of %s: no answer within %v, killed%s: %w", binary, took.Round(time.Millisecond), d.stderrNote(), d.timedOut)
	case answered && answer == "ok" && d.code == 0 && d.waitErr == nil:
		return nil
	case answered && answer == "ok":
		return fmt.Errorf("dry run of %s: answered ok but %s", binary, d.ending())
	case answered:
		return fmt.Errorf("dry run of %s: answered %q, not \"ok\" (is it a ptykeeper binary?); it %s", binary, firstLine(string(d.out), 200), d.ending())
	}
	return fmt.Errorf("dry run of %s: %s without answering%s", binary, d.ending(), d.stderrNote())
}

func (d *dryRun) ending() string {
	if d.waitErr != nil {
		return "ended (" + d.waitErr.Error() + ")"
	}
	return fmt.Sprintf("exited with status %d", d.code)
}

func (d *dryRun) stderrNote() string {
	if s := firstLine(string(d.stderr), 300); s != "" {
		return "; it said: " + s
	}
	return ""
}

// firstLine returns the first non-blank line of s, cut to at most n bytes.
func firstLine(s string, n int) string {
	for line := range strings.Lines(s) {
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > n {
				line = line[:n] + "…"
			}
			return line
		}
	}
	return ""
}

// startError explains why binary could not be started at all.
func startError(binary string, err error) error {
	var why string
	switch {
	case errors.Is(err, syscall.ENOEXEC):
		why = fmt.Sprintf("not a program this machine (%s/%s) can run: built for another architecture, or not an executable", runtime.GOOS, runtime.GOARCH)
	case errors.Is(err, syscall.EACCES):
		why = "permission denied: is it an executable file (chmod +x)?"
	case errors.Is(err, syscall.ENOENT):
		why = "no such file (or its interpreter is missing)"
	default:
		return fmt.Errorf("dry run of %s: start: %w", binary, err)
	}
	return fmt.Errorf("dry run of %s: %s: %w", binary, why, err)
}

// childEnv is env without what belongs to this process alone: the systemd
// notification socket (a child must not tell systemd anything), socket
// activation and watchdog variables, and a state fd of our own.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case name == "NOTIFY_SOCKET", name == EnvStateFD,
			strings.HasPrefix(name, "LISTEN_"), strings.HasPrefix(name, "WATCHDOG_"):
			continue
		}
		out = append(out, kv)
	}
	return out
}
