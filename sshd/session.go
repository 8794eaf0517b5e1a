// session.go is our handler for SSH session channels. It serves the
// channel's requests itself: pty-req (the viewer's terminal and size),
// window-change (coalesced, latest wins, never blocking the request loop),
// exec and shell (a ptykeeper command, run through ctl's table with the
// key's rights: policy.go), and refuses everything else (env,
// subsystems such as sftp, X11, agent forwarding). It never opens a PTY:
// the program's PTY belongs to the keeper. Output is written byte for byte
// (gliderlabs' own handler would turn \n into \r\n and break curses
// programs).

package sshd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/gliderlabs/ssh"
	"github.com/ptykeeper/ptykeeper/attach"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	gossh "golang.org/x/crypto/ssh"
)

type ptyRequest struct {
	Term             string
	Cols, Rows, W, H uint32
	Modes            string
}

type windowChange struct {
	Cols, Rows, W, H uint32
}

type execRequest struct {
	Command string
}

type exitStatus struct {
	Status uint32
}

// sessionState is one session channel.
type sessionState struct {
	ch    gossh.Channel
	login *Login
	addr  string

	mu      sync.Mutex // guards pty, size, started
	pty     bool
	size    ptykeeper.Size
	started bool
	resized chan struct{} // one slot: a size change is pending
}

func (s *Server) handleSession(_ *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	s.wg.Add(1)
	defer s.wg.Done()
	defer func() {
		// A bug in one session must not take the daemon down.
		if r := recover(); r != nil {
			s.log().Error("ssh session panic", "panic", r, "stack", string(debug.Stack()))
			conn.Close()
		}
	}()
	g, _ := ctx.Value(loginKey).(*Login)
	if g == nil {
		nc.Reject(gossh.Prohibited, "not authenticated")
		return
	}
	ch, reqs, err := nc.Accept()
	if err != nil {
		return
	}
	defer ch.Close()
	ss := &sessionState{ch: ch, login: g, addr: conn.RemoteAddr().String(), resized: make(chan struct{}, 1)}
	s.track(ss, true)
	defer s.track(ss, false)
	cctx, cancel := context.WithCancel(context.Background())
	var run sync.WaitGroup
	// Deferred in this order so that, when the channel is gone, what runs in
	// it (logs -f on an idle session, an attach whose input waits for the
	// program) is told first and then waited for.
	defer run.Wait()
	defer cancel()
	for req := range reqs {
		switch req.Type {
		case "pty-req":
			var p ptyRequest
			if g.NoPTY || gossh.Unmarshal(req.Payload, &p) != nil {
				req.Reply(false, nil)
				continue
			}
			ss.mu.Lock()
			ss.pty, ss.size = true, ptykeeper.Size{Cols: int(p.Cols), Rows: int(p.Rows)}
			ss.mu.Unlock()
			req.Reply(true, nil)
		case "window-change":
			var w windowChange
			if gossh.Unmarshal(req.Payload, &w) == nil {
				ss.mu.Lock()
				ss.size = ptykeeper.Size{Cols: int(w.Cols), Rows: int(w.Rows)}
				ss.mu.Unlock()
				select {
				case ss.resized <- struct{}{}:
				default: // a change is already pending; it will read the latest size
				}
			}
			req.Reply(false, nil) // window-change wants no reply
		case "exec", "shell":
			var e execRequest
			if req.Type == "exec" && gossh.Unmarshal(req.Payload, &e) != nil {
				req.Reply(false, nil)
				continue
			}
			ss.mu.Lock()
			already := ss.started
			ss.started = true
			ss.mu.Unlock()
			if already {
				req.Reply(false, nil)
				continue
			}
			req.Reply(true, nil)
			run.Add(1)
			go func() {
				defer run.Done()
				defer func() {
					if r := recover(); r != nil {
						s.log().Error("ssh command panic", "panic", r, "stack", string(debug.Stack()))
						ch.Close()
					}
				}()
				code := s.runCommand(cctx, ss, conn.User(), e.Command)
				ch.SendRequest("exit-status", false, gossh.Marshal(exitStatus{uint32(code)}))
				ch.CloseWrite()
				ch.Close()
			}()
		default:
			// env (client environment never reaches programs), subsystem
			// (sftp), x11-req, auth-agent-req@openssh.com, signal, ...
			req.Reply(false, nil)
		}
	}
}

func (s *Server) track(ss *sessionState, add bool) {
	s.chMu.Lock()
	defer s.chMu.Unlock()
	if !add {
		delete(s.channels, ss)
		return
	}
	if s.channels == nil {
		s.channels = map[*sessionState]struct{}{}
	}
	s.channels[ss] = struct{}{}
}

// Goodbye ends every session channel with notice (a line, on the client's
// stderr, after a terminal reset for an attached terminal) and the exit
// status code: an SSH connection cannot be carried over an upgrade (its
// keys live in this process), so its client is asked to reconnect. It
// returns how many channels it ended.
func (s *Server) Goodbye(notice string, code int) int {
	s.chMu.Lock()
	list := make([]*sessionState, 0, len(s.channels))
	for ss := range s.channels {
		list = append(list, ss)
	}
	s.chMu.Unlock()
	for _, ss := range list {
		ss.mu.Lock()
		pty := ss.pty
		ss.mu.Unlock()
		msg := notice + "\n"
		if pty {
			ss.ch.Write([]byte(ptykeeper.TerminalReset))
			msg = "\r\n" + notice + "\r\n"
		}
		ss.ch.Stderr().Write([]byte(msg))
		ss.ch.SendRequest("exit-status", false, gossh.Marshal(exitStatus{uint32(code)}))
		ss.ch.CloseWrite()
		ss.ch.Close()
	}
	return len(list)
}

// runCommand runs what the client asked for, or the key's forced command,
// and returns the remote exit status.
func (s *Server) runCommand(ctx context.Context, ss *sessionState, user, requested string) int {
	command := requested
	if ss.login.Command != "" {
		if requested != "" && requested != ss.login.Command {
			s.log().Info("ssh forced command replaces the requested one", "addr", ss.addr, "requested", requested, "forced", ss.login.Command)
		}
		command = ss.login.Command
	}
	ss.mu.Lock()
	pty := ss.pty
	ss.mu.Unlock()
	var stdout, stderr io.Writer = ss.ch, ss.ch.Stderr()
	if pty {
		// The client's terminal is raw: a bare \n would not return the
		// carriage. (Attached output is passed through untouched.)
		stdout, stderr = crlfWriter{ss.ch}, crlfWriter{ss.ch.Stderr()}
	}
	argv, err := ptykeeper.SplitCommand(command)
	if strings.TrimSpace(command) == "" {
		argv, err = nil, nil
	}
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper: %v\n", err)
		return 2
	}
	env := &ctl.Env{Keeper: s.Keeper, Daemon: s.Daemon, Stdout: stdout, Stderr: stderr,
		Caller: &keyCaller{s: s, login: ss.login, policy: s.policy.Load(), addr: ss.addr}}
	if len(argv) == 0 {
		if !pty {
			return ctl.Run(ctx, env, []string{"help"})
		}
		// ssh -t host: attach the only session, else list them.
		names := s.Keeper.Names()
		if len(names) != 1 {
			code := ctl.Run(ctx, env, []string{"ls"})
			fmt.Fprintf(stdout, "\nattach with: ssh -t HOST attach NAME\n")
			return code
		}
		argv = []string{"attach", names[0]}
	}
	if argv[0] == "attach" {
		if err := env.Allow("attach"); err != nil {
			fmt.Fprintf(stderr, "ptykeeper attach: %v\n", err)
			return 1
		}
		return s.attach(ctx, ss, argv[1:], stdout, stderr)
	}
	return ctl.Run(ctx, env, argv)
}

func (s *Server) attach(ctx context.Context, ss *sessionState, args []string, stdout, stderr io.Writer) int {
	var usage bytes.Buffer
	a, err := ctl.ParseAttachArgs(args, &usage)
	if err != nil {
		stderr.Write(usage.Bytes())
		fmt.Fprintf(stderr, "ptykeeper attach: %v\n", err)
		return 2
	}
	ss.mu.Lock()
	pty, size := ss.pty, ss.size
	ss.mu.Unlock()
	if !pty {
		fmt.Fprintf(stderr, "ptykeeper attach: no terminal: run ssh with -t (ssh -t -p PORT HOST attach %s)\n", a.Name)
		return 1
	}
	sess, err := s.Keeper.Get(a.Name)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper attach: %v\n", err)
		return 2
	}
	key := s.defaultDetachKey()
	if a.DetachKey != nil {
		key = *a.DetachKey
	}
	cl, err := sess.Attach(ptykeeper.AttachOptions{ReadOnly: a.ReadOnly, DetachOthers: a.Detach, Scrollback: a.Scrollback, Size: size})
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper attach: %v\n", err)
		return 1
	}
	s.log().Info("attach", "session", a.Name, "via", "ssh", "addr", ss.addr, "read_only", a.ReadOnly)
	// The channel closing detaches, even while forwardInput waits for a
	// program that is not reading.
	defer context.AfterFunc(ctx, cl.Close)()
	go s.forwardInput(ss, cl, key) // ends when the channel closes
	buf := make([]byte, 32<<10)
	code, msg := attach.Stream(cl, a.Name, buf, 0, func(p []byte) error {
		_, err := ss.ch.Write(p)
		return err
	})
	cl.Close()
	s.log().Info("detach", "session", a.Name, "via", "ssh", "addr", ss.addr, "reason", strings.TrimSpace(msg))
	io.WriteString(stderr, msg)
	return code
}

// forwardInput copies keystrokes to the program until the detach key, EOF
// (the client went away, or ~.) or the end of the attach; it also applies
// window changes. Keystrokes queue for the program (up to inputQuota, 1 MiB,
// from this client), so a paste into a program that reads nothing does not
// keep the detach key typed after it from being seen; past that, this
// client's reading waits (the SSH window then holds its typing), and the
// connection closing still detaches.
func (s *Server) forwardInput(ss *sessionState, cl *ptykeeper.Client, key ctl.DetachKey) {
	go func() {
		for {
			select {
			case <-ss.resized:
				ss.mu.Lock()
				size := ss.size
				ss.mu.Unlock()
				cl.Resize(size)
			case <-cl.Done():
				return
			}
		}
	}()
	buf := make([]byte, 4096)
	for {
		n, err := ss.ch.Read(buf)
		if n > 0 {
			p, detach := ctl.SplitDetach(buf[:n], key)
			if len(p) > 0 {
				if _, werr := cl.Write(p); werr != nil {
					return
				}
			}
			if detach {
				cl.Close()
				return
			}
		}
		if err != nil {
			cl.Close()
			return
		}
	}
}

// crlfWriter turns \n into \r\n for a client whose terminal is raw.
type crlfWriter struct{ w io.Writer }

func (c crlfWriter) Write(p []byte) (int, error) {
	if _, err := c.w.Write(bytes.ReplaceAll(p, []byte("\n"), []byte("\r\n"))); err != nil {
		return 0, err
	}
	return len(p), nil
}
