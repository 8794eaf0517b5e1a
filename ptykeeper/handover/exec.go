// exec.go owns the execve itself and the new image's first look at what it
// was handed.

package handover

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// EnvStateFD is the environment variable that tells the new image which fd
// holds the state. Resume unsets it, so no program started later sees it.
const EnvStateFD = "PTYKEEPER_HANDOVER_FD"

// Exec replaces this process's image with binary (execve: same pid, same
// children, same parent), passing state and fds. binary is a path, as for
// Check; argv is the new image's os.Args. It sets EnvStateFD in env
// (replacing any such entry) to state's fd number, and clears FD_CLOEXEC on
// state and on fds immediately before execve, holding syscall.ForkLock so
// that no child forked meanwhile by os/exec inherits them. It returns only if
// execve failed; then every flag it changed is restored and the process goes
// on unchanged. The caller keeps state and the files behind fds open until
// then.
//
// Check first: an execve that succeeds into a binary that cannot read the
// state has nothing to go back to.
func Exec(binary string, argv, env []string, state *os.File, fds ...int) error {
	sfd, err := FD(state)
	if err != nil {
		return fmt.Errorf("exec %s: state file: %w", binary, err)
	}
	env = setEnv(env, EnvStateFD, strconv.Itoa(sfd))
	keep := append([]int{sfd}, fds...)

	syscall.ForkLock.RLock()
	defer syscall.ForkLock.RUnlock()
	restore, err := keepOpen(keep)
	if err != nil {
		restore()
		return fmt.Errorf("exec %s: %w", binary, err)
	}
	err = unix.Exec(binary, argv, env)
	restore()
	return fmt.Errorf("exec %s: %w", binary, err)
}

// keepOpen clears FD_CLOEXEC on fds and returns how to put every flag it
// changed back.
func keepOpen(fds []int) (restore func(), err error) {
	saved := make(map[int]int, len(fds))
	restore = func() {
		for fd, flags := range saved {
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags)
		}
	}
	for _, fd := range fds {
		if _, done := saved[fd]; done {
			continue
		}
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil {
			return restore, fmt.Errorf("fd %d: %w", fd, err)
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags&^unix.FD_CLOEXEC); err != nil {
			return restore, fmt.Errorf("fd %d: clear close-on-exec: %w", fd, err)
		}
		saved[fd] = flags
	}
	return restore, nil
}

// setEnv returns env with name=value as its only entry for name.
func setEnv(env []string, name, value string) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return append(out, name+"="+value)
}

// Resume tells the new image whether it was started by Exec. If EnvStateFD
// is set, it unsets it and returns the state file (close-on-exec, rewound)
// and true; if not, nil and false: a normal start. An error means a
// hand-over was meant but its state is not usable.
func Resume() (*os.File, bool, error) {
	v, ok := os.LookupEnv(EnvStateFD)
	if !ok {
		return nil, false, nil
	}
	os.Unsetenv(EnvStateFD)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 0 {
		return nil, true, fmt.Errorf("resume: %s=%q is not an fd number", EnvStateFD, v)
	}
	f, err := OpenStateFile(fd)
	if err != nil {
		return nil, true, fmt.Errorf("resume: %w", err)
	}
	return f, true, nil
}
