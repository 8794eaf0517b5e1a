// server.go sets up the SSH server: gliderlabs/ssh for the listener, host
// key and connection handling; public-key auth only; our own session
// channel handler; limits on handshake time, auth attempts, failing
// addresses and concurrent connections.

package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gliderlabs/ssh"
	"github.com/ptykeeper/ptykeeper/attach"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
	gossh "golang.org/x/crypto/ssh"
)

// Server is ptykeeper's SSH server.
type Server struct {
	Keeper    *ptykeeper.Keeper
	Daemon    attach.Daemon
	Keys      *KeyStore
	HostKey   gossh.Signer
	Log       *slog.Logger
	DetachKey int // -1: none

	AuthTimeout  time.Duration // handshake and auth must finish in this (default 30 s)
	MaxAuthTries int           // per connection (default 6)
	MaxConns     int           // concurrent connections (default 64)

	srv   *ssh.Server
	once  sync.Once
	mu    sync.Mutex // guards conns, fails
	conns int
	fails map[string]*failRecord
	wg    sync.WaitGroup
}

type failRecord struct {
	n    int
	last time.Time
}

// grantKey holds the Grant of a verified key in the connection's context.
type grantKey struct{}

func (s *Server) defaults() {
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	if s.AuthTimeout == 0 {
		s.AuthTimeout = 30 * time.Second
	}
	if s.MaxAuthTries == 0 {
		s.MaxAuthTries = 6
	}
	if s.MaxConns == 0 {
		s.MaxConns = 64
	}
	s.fails = map[string]*failRecord{}
}

func (s *Server) build() {
	s.defaults()
	s.srv = &ssh.Server{
		HostSigners: []ssh.Signer{s.HostKey},
		Version:     "ptykeeper",
		// Never nil: with no auth handler gliderlabs lets everybody in.
		PublicKeyHandler: s.offeredKey,
		ConnCallback:     s.connCallback,
		ServerConfigCallback: func(ctx ssh.Context) *gossh.ServerConfig {
			return &gossh.ServerConfig{
				// AES-GCM only: it runs on the CPU's AES instructions, while
				// x/crypto's ChaCha20 has no amd64 assembly. OpenSSH clients
				// prefer ChaCha20 when offered, so it is not offered.
				Config:       gossh.Config{Ciphers: []string{"aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}},
				MaxAuthTries: s.MaxAuthTries,
				// Runs only for the key whose signature was verified, so the
				// grant cannot come from another key the client offered.
				VerifiedPublicKeyCallback: func(conn gossh.ConnMetadata, key gossh.PublicKey, _ *gossh.Permissions, _ string) (*gossh.Permissions, error) {
					g, perms, reason, err := s.Keys.Check(conn.User(), conn.RemoteAddr(), key)
					if err != nil {
						s.Log.Warn("ssh auth failed", "addr", conn.RemoteAddr().String(), "user", conn.User(), "key", gossh.FingerprintSHA256(key), "reason", reason)
						return nil, err
					}
					ctx.SetValue(grantKey{}, g)
					if t, ok := ctx.Value(authTimerKey{}).(*time.Timer); ok {
						t.Stop()
					}
					s.Log.Info("ssh auth ok", "addr", conn.RemoteAddr().String(), "user", conn.User(), "key", g.Fingerprint, "comment", g.Comment, "forced_command", g.Command)
					return perms, nil
				},
			}
		},
		ConnectionFailedCallback: func(c net.Conn, err error) {
			s.recordFailure(c.RemoteAddr())
			s.Log.Info("ssh connection failed", "addr", c.RemoteAddr().String(), "err", err)
		},
		// Replacing the map drops every default: only "session" channels,
		// no direct-tcpip; no global requests (tcpip-forward) at all.
		ChannelHandlers: map[string]ssh.ChannelHandler{"session": s.handleSession},
		RequestHandlers: map[string]ssh.RequestHandler{},
	}
}

// offeredKey answers "would this key do?" for every key a client offers. It
// keeps no state: the decision that counts is made again for the verified
// key.
func (s *Server) offeredKey(ctx ssh.Context, key ssh.PublicKey) bool {
	_, _, reason, err := s.Keys.Check(ctx.User(), ctx.RemoteAddr(), key)
	if err != nil {
		s.Log.Info("ssh key refused", "addr", ctx.RemoteAddr().String(), "user", ctx.User(), "key", gossh.FingerprintSHA256(key), "reason", reason)
		return false
	}
	return true
}

type authTimerKey struct{}

// connCallback enforces the connection cap, slows down addresses that keep
// failing, and closes connections that do not authenticate in time.
// (Deadlines set on the conn here do nothing: the library resets them.)
func (s *Server) connCallback(ctx ssh.Context, c net.Conn) net.Conn {
	s.mu.Lock()
	if s.conns >= s.MaxConns {
		s.mu.Unlock()
		s.Log.Warn("ssh connection refused: too many connections", "addr", c.RemoteAddr().String())
		return nil
	}
	s.conns++
	delay := s.penaltyLocked(c.RemoteAddr())
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	t := time.AfterFunc(s.AuthTimeout, func() {
		s.Log.Info("ssh connection closed: no authentication in time", "addr", c.RemoteAddr().String())
		c.Close()
	})
	ctx.SetValue(authTimerKey{}, t)
	return &trackedConn{Conn: c, done: func() {
		t.Stop()
		s.mu.Lock()
		s.conns--
		s.mu.Unlock()
	}}
}

type trackedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *trackedConn) Close() error {
	c.once.Do(c.done)
	return c.Conn.Close()
}

func hostOf(a net.Addr) string {
	if ip := addrIP(a); ip != nil {
		return ip.String()
	}
	return a.String()
}

// penaltyLocked is the delay for a new connection from an address that
// failed recently: 250 ms doubling per failure, at most 5 s; forgotten
// after a quiet minute.
func (s *Server) penaltyLocked(a net.Addr) time.Duration {
	r := s.fails[hostOf(a)]
	if r == nil || r.n < 2 {
		return 0
	}
	if time.Since(r.last) > time.Minute {
		delete(s.fails, hostOf(a))
		return 0
	}
	return min(250*time.Millisecond<<(r.n-2), 5*time.Second)
}

func (s *Server) recordFailure(a net.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := hostOf(a)
	r := s.fails[h]
	if r == nil {
		if len(s.fails) > 10000 { // bounded memory under a scan
			s.fails = map[string]*failRecord{}
		}
		r = &failRecord{}
		s.fails[h] = r
	}
	r.n = min(r.n+1, 16)
	r.last = time.Now()
}

// Serve serves SSH on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.once.Do(s.build)
	err := s.srv.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// HandleConn serves one connection (tests use it over a net.Pipe).
func (s *Server) HandleConn(c net.Conn) {
	s.once.Do(s.build)
	s.srv.HandleConn(c)
}

// Shutdown closes the listener and every connection, waiting at most until
// ctx is done (gliderlabs' own Shutdown waits without limit).
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(s.build)
	done := make(chan struct{})
	go func() {
		s.srv.Close()
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("ssh shutdown: %w", ctx.Err())
	}
}
