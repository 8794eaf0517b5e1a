// server.go serves the daemon's Unix socket: one goroutine pair per
// connection, commands and attaches alike. A peer that passed the uid check
// (the daemon's own user, or root) holds every right: commands run with a
// nil ctl.Caller.

package attach

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
)

// helloTimeout bounds how long a connection may take to say what it wants.
const helloTimeout = 10 * time.Second

// Server serves the attach protocol.
type Server struct {
	Keeper *ptykeeper.Keeper
	Daemon ctl.Daemon
	Log    *slog.Logger

	wg       sync.WaitGroup
	mu       sync.Mutex // guards everything below
	conns    map[net.Conn]struct{}
	closed   bool
	listener *net.UnixListener
	attaches map[*attachConn]struct{}
	frozen   bool      // an upgrade: accept nothing (upgrade.go)
	released bool      // handed over to a new server in this process
	thawed   sync.Cond // broadcast when frozen ends
}

// Serve accepts connections until l is closed (or the server was handed
// over, see upgrade.go).
func (s *Server) Serve(l *net.UnixListener) error {
	s.mu.Lock()
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	s.listener = l
	s.thawed.L = &s.mu
	s.mu.Unlock()
	for {
		c, err := l.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			if s.waitThaw() {
				continue
			}
			if s.isReleased() {
				return nil
			}
			return fmt.Errorf("accept: %w", err)
		}
		if !s.track(c, true) {
			c.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.track(c, false)
			s.handle(c)
		}()
	}
}

// waitThaw waits while the server is frozen; it reports whether it was.
func (s *Server) waitThaw() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	was := s.frozen
	for s.frozen && !s.released {
		s.thawed.Wait()
	}
	return was && !s.released
}

func (s *Server) isReleased() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.released
}

func (s *Server) track(c net.Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed {
			return false
		}
		if s.conns == nil {
			s.conns = map[net.Conn]struct{}{}
		}
		s.conns[c] = struct{}{}
	} else {
		delete(s.conns, c)
	}
	return true
}

// Close disconnects every client and waits for their handlers. Close the
// listener first.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) handle(c *net.UnixConn) {
	defer c.Close()
	defer func() {
		// A bug in serving one connection must not take the daemon down.
		if r := recover(); r != nil {
			s.Log.Error("socket client failed", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	if uid, ok := peerAllowed(c); !ok {
		s.Log.Warn("refused socket client", "uid", uid)
		sendExit(c, 1, "ptykeeper: permission denied: the daemon belongs to another user\n")
		return
	}
	dec := NewDecoder(c)
	c.SetReadDeadline(time.Now().Add(helloTimeout))
	typ, payload, err := dec.Next()
	c.SetReadDeadline(time.Time{})
	var h Hello
	if err != nil || typ != TypeHello || json.Unmarshal(payload, &h) != nil {
		s.Log.Debug("bad hello", "err", err)
		return
	}
	if h.Version != Version {
		sendExit(c, 2, fmt.Sprintf("ptykeeper: client speaks protocol %d, daemon %d: use the same ptykeeper binary for both (restart the daemon after upgrading)\n", h.Version, Version))
		return
	}
	if len(h.Argv) > 0 && h.Argv[0] == "attach" {
		s.serveAttach(c, dec, h)
		return
	}
	s.serveCommand(c, dec, h)
}

// frameWriter writes everything as frames of one type.
type frameWriter struct {
	mu  *sync.Mutex
	w   io.Writer
	typ byte
}

func (f frameWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	total := len(p)
	for len(p) > 0 {
		n := min(len(p), MaxPayload)
		if err := WriteFrame(f.w, f.typ, p[:n]); err != nil {
			return total - len(p), err
		}
		p = p[n:]
	}
	return total, nil
}

func sendExit(w io.Writer, code int, msg string) error {
	b, _ := json.Marshal(Exit{Code: code, Message: msg})
	return WriteFrame(w, TypeExit, b)
}

func (s *Server) serveCommand(c net.Conn, dec *Decoder, h Hello) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Anything from the client now, or its hang-up, ends the command
		// (logs -f runs until then).
		dec.Next()
		cancel()
	}()
	var mu sync.Mutex
	code := ctl.Run(ctx, &ctl.Env{
		Keeper: s.Keeper,
		Daemon: s.Daemon,
		Conn:   c,
		Stdout: frameWriter{&mu, c, TypeData},
		Stderr: frameWriter{&mu, c, TypeStderr},
	}, h.Argv)
	mu.Lock()
	sendExit(c, code, "")
	mu.Unlock()
}

func (s *Server) serveAttach(c *net.UnixConn, dec *Decoder, h Hello) {
	var stderr bytesWriter
	a, err := ctl.ParseAttachArgs(h.Argv[1:], &stderr)
	if err != nil {
		sendExit(c, 2, string(stderr)+"ptykeeper attach: "+err.Error()+"\n")
		return
	}
	sess, err := s.Keeper.Get(a.Name)
	if err != nil {
		sendExit(c, 2, "ptykeeper attach: "+err.Error()+"\n")
		return
	}
	cl, err := sess.Attach(ptykeeper.AttachOptions{
		ReadOnly: a.ReadOnly, DetachOthers: a.Detach, Scrollback: a.Scrollback,
		Size: ptykeeper.Size{Cols: h.Cols, Rows: h.Rows},
	})
	if err != nil {
		sendExit(c, 1, "ptykeeper attach: "+err.Error()+"\n")
		return
	}
	s.Log.Info("attach", "session", a.Name, "via", "socket", "read_only", a.ReadOnly)
	s.runAttach(&attachConn{s: s, c: c, name: a.Name, cl: cl, dec: dec})
}

// readInput applies an attached client's frames until it detaches or hangs
// up (false), or until it is frozen for an upgrade (true: its read deadline
// passed, and the decoder holds what it read beyond the last frame). It
// never waits for the program: the client keeps its input within
// InputWindow, which the program's input queue always has room for, so a
// detach or resize is seen at once even while the program reads nothing.
// (A client that ignores the window only holds up its own input.)
//
// A frozen client refuses the keystrokes of the frame being decoded: they
// are handed back (unsent) to go with the connection to the new daemon.
func readInput(dec *Decoder, cl *ptykeeper.Client) (frozen bool, unsent []byte) {
	for {
		typ, p, err := dec.Next()
		if err != nil {
			return errors.Is(err, os.ErrDeadlineExceeded), nil
		}
		switch typ {
		case TypeData:
			if _, err := cl.Write(p); err != nil {
				if errors.Is(err, ptykeeper.ErrFrozen) {
					return true, bytes.Clone(p)
				}
				return false, nil
			}
		case TypeResize:
			cols, rows, err := ParseResize(p)
			if err != nil {
				return false, nil
			}
			cl.Resize(ptykeeper.Size{Cols: cols, Rows: rows})
		default: // TypeDetach, or a frame a client must not send
			return false, nil
		}
	}
}

// ackInput acknowledges the client's input as the program takes it, in
// batches of half the window: an Ack per keystroke would cost a write and a
// wake-up per key, and the client only needs credit before it runs out. It
// returns what it had not acknowledged yet when the client went.
func ackInput(c net.Conn, wmu *sync.Mutex, cl *ptykeeper.Client, pending int) int {
	for {
		select {
		case <-cl.InputConsumed():
		case <-cl.Done():
			return pending + cl.TakeInputConsumed()
		}
		pending += cl.TakeInputConsumed()
		if pending < InputWindow/2 {
			continue
		}
		wmu.Lock()
		err := WriteFrame(c, TypeAck, AckPayload(pending))
		wmu.Unlock()
		if err != nil {
			return 0
		}
		pending = 0
	}
}

type bytesWriter []byte

func (b *bytesWriter) Write(p []byte) (int, error) { *b = append(*b, p...); return len(p), nil }

// Stream copies an attached client's output through write until the client
// ends; then it writes TerminalReset and returns the attach's exit status
// and a message saying why it ended. buf[:headroom] is left free in every
// slice passed to write, for the transport's header. A write error (the
// connection is gone) ends the stream too. Stream allocates nothing per
// chunk.
//
// A client frozen for an upgrade ends the stream without a word: its
// connection goes on in the new daemon. Stream then returns -1.
func Stream(cl *ptykeeper.Client, name string, buf []byte, headroom int, write func([]byte) error) (code int, msg string) {
	var err error
	for {
		var n int
		n, err = cl.Read(buf[headroom:])
		if n > 0 {
			if werr := write(buf[:headroom+n]); werr != nil {
				cl.Close()
				return 0, fmt.Sprintf("[%s: connection lost]\n", name)
			}
		}
		if err != nil {
			break
		}
	}
	if errors.Is(err, ptykeeper.ErrFrozen) {
		return -1, ""
	}
	n := copy(buf[headroom:], ptykeeper.TerminalReset)
	write(buf[:headroom+n])
	var end *ptykeeper.EndError
	switch {
	case errors.As(err, &end):
		return end.ExitCode(), fmt.Sprintf("[%s]\n", end.Error())
	case errors.Is(err, ptykeeper.ErrTakenOver):
		return 0, fmt.Sprintf("[detached from %s: another client attached with -d]\n", name)
	case errors.Is(err, ptykeeper.ErrRemoved):
		return 0, fmt.Sprintf("[%s was removed]\n", name)
	}
	return 0, fmt.Sprintf("[detached from %s]\n", name)
}
