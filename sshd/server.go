// server.go sets up the SSH server: gliderlabs/ssh for the listener, host
// key and connection handling; public-key auth only; our own session
// channel handler; limits on handshake time, auth attempts and connections
// (limits.go).

package sshd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gliderlabs/ssh"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	gossh "golang.org/x/crypto/ssh"
)

// Server is ptykeeper's SSH server. Keeper, Keys and HostKey are required
// (Serve refuses to start without them); the zero value of every other
// field is safe: no extra rights, no `new`, the Ctrl-\ detach key, the
// Default* limits.
type Server struct {
	Keeper    *ptykeeper.Keeper
	Daemon    ctl.Daemon // nil: reload unsupported
	Keys      *KeyStore
	HostKey   gossh.Signer
	Log       *slog.Logger  // nil: discard
	DetachKey ctl.DetachKey // over SSH, unless the client's --detach-key says otherwise
	Policy    Policy        // rights beyond ctl.Use; SetPolicy changes it later

	AuthTimeout          time.Duration // handshake and auth must finish in this
	MaxAuthTries         int           // per connection
	MaxStartups          Startups      // unauthenticated connections
	PerSourceMaxStartups int           // unauthenticated connections from one address
	MaxConns             int           // authenticated connections

	srv      *ssh.Server
	buildErr error
	once     sync.Once
	policy   atomic.Pointer[Policy]
	gate     gate
	done     chan struct{} // closed by Shutdown: ends penalty waits
	stopOnce sync.Once
	wg       sync.WaitGroup

	chMu     sync.Mutex // guards channels
	channels map[*sessionState]struct{}

	// Set by SetKeys and SetDetachKey (a reload); nil: Keys, DetachKey.
	keys      atomic.Pointer[KeyStore]
	detachKey atomic.Pointer[ctl.DetachKey]
}

// SetKeys replaces the authorized keys (a reload naming another file):
// new logins are checked against k, connections already in stay.
func (s *Server) SetKeys(k *KeyStore) { s.keys.Store(k) }

// SetDetachKey changes the detach key of attaches that start from now.
func (s *Server) SetDetachKey(k ctl.DetachKey) { s.detachKey.Store(&k) }

func (s *Server) keyStore() *KeyStore {
	if k := s.keys.Load(); k != nil {
		return k
	}
	return s.Keys
}

func (s *Server) defaultDetachKey() ctl.DetachKey {
	if k := s.detachKey.Load(); k != nil {
		return *k
	}
	return s.DetachKey
}

// ctxKey names what the server keeps in a connection's context.
type ctxKey int

const (
	loginKey     ctxKey = iota // *Login, once a key's signature was verified
	slotKey                    // *connSlot
	authTimerKey               // *time.Timer closing a connection that does not authenticate
)

func (s *Server) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// SetPolicy replaces the grants and the new-sessions user (on a config
// reload); connections that are logged in keep the rights they got.
func (s *Server) SetPolicy(p Policy) {
	s.once.Do(s.build)
	s.policy.Store(&p)
}

func (s *Server) build() {
	switch {
	case s.Keeper == nil:
		s.buildErr = errors.New("sshd: Server.Keeper is nil")
	case s.Keys == nil:
		s.buildErr = errors.New("sshd: Server.Keys is nil: no authorized_keys, nobody could log in")
	case s.HostKey == nil:
		s.buildErr = errors.New("sshd: Server.HostKey is nil: a throwaway key would break known_hosts")
	}
	if s.AuthTimeout == 0 {
		s.AuthTimeout = DefaultAuthTimeout
	}
	if s.MaxAuthTries == 0 {
		s.MaxAuthTries = DefaultMaxAuthTries
	}
	if s.MaxStartups == (Startups{}) {
		s.MaxStartups = DefaultMaxStartups
	}
	if s.PerSourceMaxStartups == 0 {
		s.PerSourceMaxStartups = DefaultPerSourceMaxStartups
	}
	if s.MaxConns == 0 {
		s.MaxConns = DefaultMaxConns
	}
	p := s.Policy
	s.policy.Store(&p)
	s.done = make(chan struct{})
	var hostSigners []ssh.Signer
	if s.HostKey != nil {
		hostSigners = []ssh.Signer{s.HostKey}
	}
	s.srv = &ssh.Server{
		HostSigners: hostSigners,
		Version:     "ptykeeper",
		// Never nil: with no auth handler gliderlabs lets everybody in.
		PublicKeyHandler:     s.offeredKey,
		ConnCallback:         s.connCallback,
		ServerConfigCallback: s.serverConfig,
		ConnectionFailedCallback: func(c net.Conn, err error) {
			s.gate.recordFailure(hostOf(c.RemoteAddr()))
			s.log().Info("ssh connection failed", "addr", c.RemoteAddr().String(), "err", err)
		},
		// Replacing the map drops every default: only "session" channels,
		// no direct-tcpip; no global requests (tcpip-forward) at all.
		ChannelHandlers: map[string]ssh.ChannelHandler{"session": s.handleSession},
		RequestHandlers: map[string]ssh.RequestHandler{},
	}
}

func (s *Server) serverConfig(ctx ssh.Context) *gossh.ServerConfig {
	return &gossh.ServerConfig{
		// AES-GCM only: it runs on the CPU's AES instructions, while
		// x/crypto's ChaCha20 has no amd64 assembly. OpenSSH clients
		// prefer ChaCha20 when offered, so it is not offered.
		Config:       gossh.Config{Ciphers: []string{"aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}},
		MaxAuthTries: s.MaxAuthTries,
		// Runs only for the key whose signature was verified, so the
		// login cannot come from another key the client offered.
		VerifiedPublicKeyCallback: func(conn gossh.ConnMetadata, key gossh.PublicKey, _ *gossh.Permissions, _ string) (*gossh.Permissions, error) {
			return s.verifiedKey(ctx, conn, key)
		},
	}
}

func (s *Server) verifiedKey(ctx ssh.Context, conn gossh.ConnMetadata, key gossh.PublicKey) (*gossh.Permissions, error) {
	addr := conn.RemoteAddr().String()
	login, perms, reason, err := s.keyStore().Check(conn.User(), conn.RemoteAddr(), key)
	if err != nil {
		s.log().Warn("ssh auth failed", "addr", addr, "user", conn.User(), "key", gossh.FingerprintSHA256(key), "reason", reason)
		return nil, err
	}
	if slot, ok := ctx.Value(slotKey).(*connSlot); ok && !slot.authenticated(s.MaxConns) {
		s.log().Warn("ssh login refused: too many connections", "addr", addr, "key", login.Fingerprint, "max", s.MaxConns)
		return nil, errors.New("too many connections")
	}
	if t, ok := ctx.Value(authTimerKey).(*time.Timer); ok {
		t.Stop()
	}
	login.Rights = s.policy.Load().rights(login)
	ctx.SetValue(loginKey, login)
	s.log().Info("ssh auth ok", "addr", addr, "user", conn.User(), "key", login.Fingerprint, "ca", login.CA,
		"comment", login.Comment, "line", login.Line, "forced_command", login.Command, "rights", login.Rights.String())
	return perms, nil
}

// offeredKey answers "would this key do?" for every key a client offers. It
// keeps no state: the decision that counts is made again for the verified
// key.
func (s *Server) offeredKey(ctx ssh.Context, key ssh.PublicKey) bool {
	_, _, reason, err := s.keyStore().Check(ctx.User(), ctx.RemoteAddr(), key)
	if err != nil {
		s.log().Info("ssh key refused", "addr", ctx.RemoteAddr().String(), "user", ctx.User(), "key", gossh.FingerprintSHA256(key), "reason", reason)
		return false
	}
	return true
}

// connCallback admits a connection through the gate (limits.go) and closes
// it if it does not authenticate in time. (Deadlines set on the conn here
// do nothing: the library resets them.)
func (s *Server) connCallback(ctx ssh.Context, c net.Conn) net.Conn {
	addr := c.RemoteAddr()
	slot, delay, ok := s.gate.enter(hostOf(addr), s.PerSourceMaxStartups)
	if !ok {
		s.log().Warn("ssh connection refused: too many unauthenticated connections from this address", "addr", addr.String(), "max", s.PerSourceMaxStartups)
		return nil
	}
	if delay > 0 {
		// Slowed down for failing before; this waits on the address's own
		// slot, never on one that others need.
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-s.done:
			t.Stop()
			slot.close()
			return nil
		}
	}
	if !slot.startup(s.MaxStartups) {
		slot.close()
		s.log().Warn("ssh connection dropped: too many unauthenticated connections (MaxStartups)", "addr", addr.String())
		return nil
	}
	t := time.AfterFunc(s.AuthTimeout, func() {
		s.log().Info("ssh connection closed: no authentication in time", "addr", addr.String())
		c.Close()
	})
	ctx.SetValue(slotKey, slot)
	ctx.SetValue(authTimerKey, t)
	return &trackedConn{Conn: c, done: func() {
		t.Stop()
		slot.close()
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

// Serve serves SSH on l until Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.once.Do(s.build)
	if s.buildErr != nil {
		l.Close()
		return s.buildErr
	}
	// gliderlabs' Close misses a listener that Serve has not registered
	// yet: close it ourselves on Shutdown.
	returned := make(chan struct{})
	defer close(returned)
	go func() {
		select {
		case <-s.done:
			l.Close()
		case <-returned:
		}
	}()
	err := s.srv.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// HandleConn serves one connection (tests use it over a net.Pipe).
func (s *Server) HandleConn(c net.Conn) {
	s.once.Do(s.build)
	if s.buildErr != nil {
		c.Close()
		return
	}
	s.srv.HandleConn(c)
}

// Shutdown closes the listeners and every connection, waiting at most until
// ctx is done (gliderlabs' own Shutdown waits without limit).
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(s.build)
	done := make(chan struct{})
	go func() {
		s.stopOnce.Do(func() { close(s.done) })
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
