// tmux.go owns the private tmux server the reference terminal runs in: its
// start, its options, running commands against it, and its end.

package reftest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// ErrNoTmux is returned by StartServer when no tmux binary is on PATH.
var ErrNoTmux = errors.New("tmux not found on PATH: install it (Debian: apt-get install tmux)")

// Server is one private tmux server, reached through a socket in its own
// temporary directory; no user's tmux server is touched. It keeps one base
// session alive whose only process exits when the process that started the
// server dies, so a killed test binary leaves no server behind (tmux exits
// once it has no sessions).
//
// A Server is safe for concurrent use: every method runs its own tmux
// client process.
type Server struct {
	dir    string // temporary directory holding the socket
	sock   string
	serial atomic.Int64 // names windows and sessions
	once   sync.Once
	// clients bounds the tmux clients running at once: the server is one
	// thread, and parallel tests would otherwise start hundreds.
	clients chan struct{}
}

// baseSession is the name of the session that keeps the server alive.
const baseSession = "base"

// StartServer starts a private tmux server with options that make it a
// plain reference terminal: no status line, no history,
// TERM=xterm-256color for programs it runs. (The global option
// window-size manual would be natural, but tmux 3.3a crashes creating a
// session with it and no client; windows are sized one by one instead.)
func StartServer() (*Server, error) {
	if _, err := exec.LookPath("tmux"); err != nil {
		return nil, ErrNoTmux
	}
	dir, err := os.MkdirTemp("", "reftest-tmux-")
	if err != nil {
		return nil, fmt.Errorf("start tmux: %w", err)
	}
	s := &Server{dir: dir, sock: filepath.Join(dir, "sock"), clients: make(chan struct{}, 2*runtime.GOMAXPROCS(0))}
	// tail --pid exits when this process dies, and with it the base
	// session and then the server.
	watch := "exec tail --pid=" + strconv.Itoa(os.Getpid()) + " -f /dev/null"
	_, err = s.Run(nil,
		"new-session", "-d", "-s", baseSession, "-x", "80", "-y", "24", watch, ";",
		"set", "-g", "status", "off", ";",
		"set", "-g", "history-limit", "0", ";",
		"set", "-g", "remain-on-exit", "off", ";",
		"set", "-g", "default-terminal", "xterm-256color", ";",
		"set", "-s", "escape-time", "0")
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

// Socket returns the path of the server's socket (for tmux -S).
func (s *Server) Socket() string { return s.sock }

// Run runs one tmux client with args (commands separated by ";" arguments)
// and stdin as its standard input, and returns its standard output.
func (s *Server) Run(stdin []byte, args ...string) ([]byte, error) {
	s.clients <- struct{}{}
	defer func() { <-s.clients }()
	cmd := exec.Command("tmux", append([]string{"-S", s.sock, "-f", "/dev/null"}, args...)...)
	cmd.Env = append(os.Environ(), "TMUX=") // never talk to an enclosing tmux
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.Bytes(), fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(errb.Bytes()))
	}
	return out.Bytes(), nil
}

// name returns a fresh window or session name with prefix. Names never
// contain a '.', which tmux would read as window.pane.
func (s *Server) name(prefix string) string {
	return prefix + strconv.FormatInt(s.serial.Add(1), 10)
}

// Close kills the server and removes its directory. It is idempotent.
func (s *Server) Close() error {
	var err error
	s.once.Do(func() {
		// The client may see the server go before it answers ("server
		// exited unexpectedly"); either way the server is gone.
		if _, kerr := s.Run(nil, "kill-server"); kerr != nil &&
			!strings.Contains(kerr.Error(), "no server running") && !strings.Contains(kerr.Error(), "exited unexpectedly") {
			err = kerr
		}
		if rerr := os.RemoveAll(s.dir); rerr != nil && err == nil {
			err = fmt.Errorf("remove tmux dir: %w", rerr)
		}
	})
	return err
}

// shared is the one server of a test binary, started on first use.
var shared struct {
	sync.Mutex
	srv *Server
	err error
}

// Shared returns the test binary's server, starting it on first use. Main
// stops it; without Main it ends within a second of the test binary's exit.
func Shared() (*Server, error) {
	shared.Lock()
	defer shared.Unlock()
	if shared.srv == nil && shared.err == nil {
		shared.srv, shared.err = StartServer()
	}
	return shared.srv, shared.err
}

// Require returns the shared server, or skips the test (tmux missing) or
// fails it (tmux failed to start).
func Require(t testing.TB) *Server {
	t.Helper()
	srv, err := Shared()
	if errors.Is(err, ErrNoTmux) {
		t.Skip("reftest: " + err.Error())
	}
	if err != nil {
		t.Fatalf("reftest: %v", err)
	}
	return srv
}

// TestingM is what Main wraps: *testing.M, and what goleak.VerifyTestMain
// takes.
type TestingM interface{ Run() int }

// Main wraps a test binary's M so the shared server stops after the tests:
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(reftest.Main(m)) }
func Main(m TestingM) TestingM { return mainM{m} }

type mainM struct{ m TestingM }

func (w mainM) Run() int {
	code := w.m.Run()
	shared.Lock()
	defer shared.Unlock()
	if shared.srv != nil {
		if err := shared.srv.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "reftest: stop tmux:", err)
		}
		shared.srv = nil
	}
	return code
}
