package sshd

import (
	"bufio"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	gossh "golang.org/x/crypto/ssh"
)

// limitsServer runs a server with no sessions and the given limits set on
// it; it returns the fixture to dial with and the server.
func limitsServer(t *testing.T, key gossh.Signer, set func(*Server)) *fixture {
	t.Helper()
	dir := home(t)
	ak := filepath.Join(dir, "ak")
	os.WriteFile(ak, gossh.MarshalAuthorizedKey(key.PublicKey()), 0o600)
	host, _, err := LoadOrCreateHostKey(filepath.Join(dir, "hk"))
	if err != nil {
		t.Fatal(err)
	}
	k := ptykeeper.New(ptykeeper.Options{})
	srv := &Server{Keeper: k, Keys: &KeyStore{Path: ak}, HostKey: host}
	set(srv)
	l := newListener(t)
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		k.Shutdown(ctx)
	})
	return &fixture{t: t, k: k, srv: srv, addr: l.Addr().String(), host: host.PublicKey(), keys: ak}
}

// halfOpen connects from src and says nothing.
func halfOpen(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: wait}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// served tells a connection the server admitted (it sends its version)
// from one it closed at once.
func served(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(wait))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err == nil {
		return strings.HasPrefix(line, "SSH-2.0-ptykeeper")
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("connection neither served nor closed")
	}
	return false
}

// One address holding 100 half-open connections gets 10 of them served
// (PerSourceMaxStartups); somebody else still logs in at once. Without the
// per-source cap the 100 would reach MaxStartups' full and everybody else
// would be dropped.
func TestHalfOpenFloodLocksNobodyOut(t *testing.T) {
	key := newSigner(t)
	f := limitsServer(t, key, func(*Server) {}) // the defaults
	var conns []net.Conn
	for range 100 {
		conns = append(conns, halfOpen(t, "127.0.0.2", f.addr))
	}
	n := 0
	for _, c := range conns {
		if served(t, c) {
			n++
		}
	}
	if n != DefaultPerSourceMaxStartups {
		t.Fatalf("%d of 100 half-open connections from one address served, want %d", n, DefaultPerSourceMaxStartups)
	}
	start := time.Now()
	c, err := f.dialFrom("127.0.0.1", key)
	if err != nil {
		t.Fatalf("login from another address during the flood: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("login took %v during the flood", d)
	}
	c.Close()
}

// An address that keeps failing waits before it is served, but the wait
// holds no startup slot: here one startup slot is all there is, and ten
// waiting connections from the failing address leave it free.
func TestPenaltyWaitHoldsNoSlot(t *testing.T) {
	key := newSigner(t)
	f := limitsServer(t, key, func(s *Server) { s.MaxStartups = Startups{Start: 1, Rate: 100, Full: 1} })
	for range 8 {
		f.srv.gate.recordFailure("127.0.0.3")
	}
	f.srv.gate.mu.Lock()
	penalty := f.srv.gate.penaltyLocked("127.0.0.3")
	f.srv.gate.mu.Unlock()
	if penalty != 5*time.Second {
		t.Fatalf("penalty after 8 failures: %v", penalty)
	}
	for range DefaultPerSourceMaxStartups {
		halfOpen(t, "127.0.0.3", f.addr)
	}
	// (The server takes connections in goroutines of their own: let it
	// count all ten before the next one comes.)
	if !testprog.WaitFor(wait, func() bool {
		f.srv.gate.mu.Lock()
		defer f.srv.gate.mu.Unlock()
		return f.srv.gate.perSource["127.0.0.3"] == DefaultPerSourceMaxStartups
	}) {
		t.Fatal("the server never counted the waiting connections")
	}
	// The address's slots are all waiting: one more is closed at once.
	if extra := halfOpen(t, "127.0.0.3", f.addr); served(t, extra) {
		t.Fatal("connection over the per-source cap served")
	}
	if _, err := f.dialFrom("127.0.0.1", key); err != nil {
		t.Fatalf("login while a failing address waits: %v", err)
	}
}

// Authenticated connections have a cap of their own; unauthenticated ones
// are still served (and can log in once a slot is free).
func TestAuthenticatedCap(t *testing.T) {
	key := newSigner(t)
	f := limitsServer(t, key, func(s *Server) { s.MaxConns = 1 })
	first, err := f.dial(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.dial(key); err == nil {
		t.Fatal("login over the authenticated cap")
	}
	if !served(t, halfOpen(t, nextLoopback(), f.addr)) {
		t.Fatal("unauthenticated connection refused because of authenticated ones")
	}
	first.Close()
	if !testprog.WaitFor(wait, func() bool {
		c, err := f.dial(key)
		if err == nil {
			c.Close()
		}
		return err == nil
	}) {
		t.Fatal("no login after the authenticated connection closed")
	}
}

// A connection that never authenticates is closed after AuthTimeout.
func TestAuthTimeout(t *testing.T) {
	key := newSigner(t)
	f := limitsServer(t, key, func(s *Server) { s.AuthTimeout = 200 * time.Millisecond })
	c := halfOpen(t, nextLoopback(), f.addr)
	if !served(t, c) {
		t.Fatal("not served")
	}
	c.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatal("silent connection not closed after the auth timeout")
			}
			break
		}
	}
}

func TestStartupsDrop(t *testing.T) {
	st := Startups{Start: 10, Rate: 30, Full: 60}
	for n := range 10 {
		if st.drop(n) {
			t.Fatalf("dropped below start (%d)", n)
		}
	}
	for _, n := range []int{60, 61, 1000} {
		if !st.drop(n) {
			t.Fatalf("kept at %d, full is 60", n)
		}
	}
	dropped := 0
	for range 10000 {
		if st.drop(35) { // halfway: 30 + 70/2 = 65 %
			dropped++
		}
	}
	if dropped < 6000 || dropped > 7000 {
		t.Fatalf("dropped %d of 10000 halfway, want about 6500", dropped)
	}
}
