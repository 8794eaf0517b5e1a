package main

// detach.go: --detach, the Go answer to the classic double fork (Go cannot
// fork): re-execute ourselves in a new session with cwd /, stdin /dev/null
// and output to a log file, and return only once the child says it is ready
// (or print why it is not). Also the pidfile.

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/ptykeeper/ptykeeper/ptykeeper/config"
)

// readyFdEnv names the fd on which a detached child reports readiness.
const readyFdEnv = "PTYKEEPER_READY_FD"

func detach(o *serveOptions, cfg *config.Config, stderr io.Writer) int {
	logPath := o.logFile
	if logPath == "" {
		logPath = filepath.Join(cfg.StateDir, "ptykeeper.log")
	}
	if err := os.MkdirAll(filepath.Dir(logPath), 0o700); err != nil {
		return fail(stderr, 1, err)
	}
	logf, err := os.OpenFile(logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fail(stderr, 1, fmt.Errorf("daemon log: %w", err))
	}
	defer logf.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		return fail(stderr, 1, err)
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		return fail(stderr, 1, err)
	}
	self, err := os.Executable()
	if err != nil {
		return fail(stderr, 1, err)
	}
	var args []string
	for _, a := range withoutSocketFlags(os.Args[1:]) {
		if a != "--detach" && a != "-detach" {
			args = append(args, a)
		}
	}
	// Paths given relative to where the user stood must survive cwd /.
	if o.configPath != "" && !filepath.IsAbs(o.configPath) {
		abs, _ := filepath.Abs(o.configPath)
		args = append(args, "-c", abs) // a repeated flag: the last wins
	}
	if o.pidfile != "" && !filepath.IsAbs(o.pidfile) {
		abs, _ := filepath.Abs(o.pidfile)
		args = append(args, "--pidfile", abs)
	}
	args = append([]string{"--socket", absPath(o.socket)}, args...)
	cmd := exec.Command(self, args...)
	cmd.Dir = "/"
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, logf, logf
	cmd.ExtraFiles = []*os.File{w}
	cmd.Env = append(os.Environ(), readyFdEnv+"=3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	syscall.Umask(0o022)
	if err := cmd.Start(); err != nil {
		return fail(stderr, 1, err)
	}
	w.Close()
	line, _ := bufio.NewReader(r).ReadString('\n')
	if strings.HasPrefix(line, "ready") {
		fmt.Fprintf(stderr, "ptykeeper: daemon running, pid %d, log %s\n", cmd.Process.Pid, logPath)
		return 0
	}
	cmd.Wait()
	msg := strings.TrimSpace(strings.TrimPrefix(line, "error "))
	if msg == "" {
		msg = "the daemon exited before it was ready; see " + logPath
	}
	fmt.Fprintf(stderr, "ptykeeper serve: %s\n", msg)
	return 1
}

// withoutSocketFlags drops the global --socket flags in front of the
// command: the child gets the socket as an absolute path instead, since it
// runs in /.
func withoutSocketFlags(args []string) []string {
	for len(args) > 0 && strings.HasPrefix(args[0], "--socket") {
		if args[0] == "--socket" && len(args) > 1 {
			args = args[2:]
		} else {
			args = args[1:]
		}
	}
	return args
}

func absPath(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func readyPipe() *os.File {
	fd, err := strconv.Atoi(os.Getenv(readyFdEnv))
	if err != nil || fd < 3 {
		return nil
	}
	os.Unsetenv(readyFdEnv)
	return os.NewFile(uintptr(fd), "ready")
}

// readyFile is the pipe to a waiting --detach parent, if any.
var readyFile = sync.OnceValue(readyPipe)

// notifyParentReady tells a waiting --detach parent that we are up.
func notifyParentReady() {
	if f := readyFile(); f != nil {
		f.WriteString("ready\n")
		f.Close()
	}
}

// notifyParentFailed tells a waiting --detach parent why we could not start.
func notifyParentFailed(err error) {
	if f := readyFile(); f != nil {
		f.WriteString("error " + strings.ReplaceAll(err.Error(), "\n", " ") + "\n")
		f.Close()
	}
}

// claimPidfile refuses to start when the pidfile names a live process.
func claimPidfile(path string) error {
	if path == "" {
		return nil
	}
	if b, err := os.ReadFile(path); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid != os.Getpid() {
			if syscall.Kill(pid, 0) == nil || errors.Is(syscall.Kill(pid, 0), syscall.EPERM) {
				return fmt.Errorf("pidfile %s: ptykeeper already running as pid %d", path, pid)
			}
		}
	}
	return nil
}

func writePidfile(path string) {
	if path == "" {
		return
	}
	tmp := path + ".tmp"
	if os.WriteFile(tmp, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644) == nil {
		os.Rename(tmp, path)
	}
}

func removePidfile(path string) {
	if path == "" {
		return
	}
	if b, err := os.ReadFile(path); err == nil && strings.TrimSpace(string(b)) == strconv.Itoa(os.Getpid()) {
		os.Remove(path)
	}
}
