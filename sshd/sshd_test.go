package sshd

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	"go.uber.org/goleak"
	gossh "golang.org/x/crypto/ssh"
)

func TestMain(m *testing.M) {
	ptykeeper.RunExecHelper()
	testprog.Main()
	goleak.VerifyTestMain(m)
}

const wait = 10 * time.Second

func newSigner(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type fixture struct {
	t    *testing.T
	k    *ptykeeper.Keeper
	srv  *Server
	addr string
	host gossh.PublicKey
	keys string     // authorized_keys path
	log  *lockedBuf // the server's log
}

// home makes a temporary home folder for the daemon's user, as OpenSSH's
// StrictModes checks stop there (t.TempDir is below /tmp, which anyone may
// write to).
func home(t *testing.T) string {
	dir := t.TempDir()
	t.Setenv("HOME", dir)
	return dir
}

// start runs a server whose authorized_keys holds lines (each "%s" is
// replaced by the next key's authorized form).
func start(t *testing.T, lines string, keys ...gossh.PublicKey) *fixture {
	t.Helper()
	ak := filepath.Join(home(t), "authorized_keys")
	for _, k := range keys {
		lines = strings.Replace(lines, "%s", strings.TrimSpace(string(gossh.MarshalAuthorizedKey(k))), 1)
	}
	os.WriteFile(ak, []byte(lines), 0o600)
	return startWithKeys(t, ak)
}

// startWithKeys runs a server on the authorized_keys file ak, with two
// sessions: echo and ws (the window size).
func startWithKeys(t *testing.T, ak string) *fixture {
	t.Helper()
	host, _, err := LoadOrCreateHostKey(filepath.Join(filepath.Dir(ak), "host_key"))
	if err != nil {
		t.Fatal(err)
	}
	k := ptykeeper.New(ptykeeper.Options{})
	for _, p := range [][2]string{{"echo", "echo"}, {"ws", "winsize"}} {
		argv, env := testprog.Command(p[1])
		if _, err := k.Add(ptykeeper.Spec{Name: p[0], Command: argv, Env: env, Autostart: true}); err != nil {
			t.Fatal(err)
		}
	}
	logs := &lockedBuf{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	// DetachKey is left zero: it must mean Ctrl-\.
	srv := &Server{Keeper: k, Keys: &KeyStore{Path: ak, Log: log}, HostKey: host, Log: log}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(l); close(done) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
		k.Shutdown(ctx)
	})
	return &fixture{t: t, k: k, srv: srv, addr: l.Addr().String(), host: host.PublicKey(), keys: ak, log: logs}
}

// dial logs in with signer from a loopback address of its own, so that the
// failures of one dial do not slow down the next (see limits.go).
func (f *fixture) dial(signer gossh.Signer) (*gossh.Client, error) {
	return f.dialFrom(nextLoopback(), signer)
}

var loopbacks atomic.Uint32

// nextLoopback is a fresh address in 127.0.1.0/24 ... 127.0.255.0/24
// (Linux routes all of 127/8 to lo).
func nextLoopback() string {
	n := loopbacks.Add(1)
	return fmt.Sprintf("127.0.%d.%d", 1+n/250%250, 1+n%250)
}

func (f *fixture) dialFrom(src string, signer gossh.Signer) (*gossh.Client, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: wait}
	conn, err := d.Dial("tcp", f.addr)
	if err != nil {
		return nil, err
	}
	cc, chans, reqs, err := gossh.NewClientConn(conn, f.addr, &gossh.ClientConfig{
		User:            "me",
		Auth:            []gossh.AuthMethod{gossh.PublicKeys(signer)},
		HostKeyCallback: gossh.FixedHostKey(f.host),
		Timeout:         wait,
	})
	if err != nil {
		conn.Close()
		return nil, err
	}
	c := gossh.NewClient(cc, chans, reqs)
	f.t.Cleanup(func() { c.Close() })
	return c, nil
}

// run runs command (optionally with a PTY) and returns stdout, stderr and
// the exit status.
func run(t *testing.T, c *gossh.Client, command string, pty bool) (string, string, int) {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if pty {
		if err := s.RequestPty("xterm", 24, 80, nil); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	s.Stdout, s.Stderr = &out, &errb
	err = s.Run(command)
	code := 0
	var ee *gossh.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitStatus()
	} else if err != nil {
		t.Fatalf("run %q: %v", command, err)
	}
	return out.String(), errb.String(), code
}

func TestAuthAcceptedAndDenied(t *testing.T) {
	good, stranger := newSigner(t), newSigner(t)
	f := start(t, "%s me@laptop\n", good.PublicKey())
	c, err := f.dial(good)
	if err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, c, "ls", false)
	if code != 0 || !strings.Contains(out, "echo") || !strings.Contains(out, "RUNNING") {
		t.Fatalf("ls: %d %q", code, out)
	}
	if _, err := f.dial(stranger); err == nil {
		t.Fatal("unknown key accepted")
	}
}

func TestKeyOptions(t *testing.T) {
	plain, local, elsewhere, negated, expired, forced, odd := newSigner(t), newSigner(t), newSigner(t), newSigner(t), newSigner(t), newSigner(t), newSigner(t)
	f := start(t, strings.Join([]string{
		`%s plain`,
		`from="127.*,10.*" %s local`,
		`from="10.0.0.0/8" %s elsewhere`,
		`from="!127.0.0.0/8,*" %s negated`,
		`expiry-time="20000101" %s expired`,
		`command="status echo",restrict %s forced`,
		`frobnicate="yes" %s odd`,
	}, "\n"), plain.PublicKey(), local.PublicKey(), elsewhere.PublicKey(), negated.PublicKey(), expired.PublicKey(), forced.PublicKey(), odd.PublicKey())
	for _, tc := range []struct {
		name   string
		signer gossh.Signer
		ok     bool
	}{{"plain", plain, true}, {"from match", local, true}, {"from mismatch", elsewhere, false}, {"from negated", negated, false}, {"expired", expired, false}, {"unknown option", odd, false}} {
		_, err := f.dial(tc.signer)
		if (err == nil) != tc.ok {
			t.Errorf("%s: dial err %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
	c, err := f.dial(forced)
	if err != nil {
		t.Fatal(err)
	}
	out, _, _ := run(t, c, "ls", false)
	if !strings.HasPrefix(out, "echo ") || strings.Contains(out, "NAME") {
		t.Fatalf("forced command did not win: %q", out)
	}
	s, _ := c.NewSession()
	defer s.Close()
	if err := s.RequestPty("xterm", 24, 80, nil); err == nil {
		t.Fatal("restrict key got a PTY")
	}
}

func TestCertificates(t *testing.T) {
	ca, otherCA, user := newSigner(t), newSigner(t), newSigner(t)
	f := start(t, "cert-authority %s ca\n", ca.PublicKey())
	sign := func(signer gossh.Signer, principals []string) gossh.Signer {
		cert := &gossh.Certificate{
			Key: user.PublicKey(), CertType: gossh.UserCert, ValidPrincipals: principals,
			ValidBefore: gossh.CertTimeInfinity, Permissions: gossh.Permissions{Extensions: map[string]string{"permit-pty": ""}},
		}
		if err := cert.SignCert(rand.Reader, signer); err != nil {
			t.Fatal(err)
		}
		cs, err := gossh.NewCertSigner(cert, user)
		if err != nil {
			t.Fatal(err)
		}
		return cs
	}
	if _, err := f.dial(sign(ca, []string{"me"})); err != nil {
		t.Fatalf("good certificate refused: %v", err)
	}
	if _, err := f.dial(sign(otherCA, []string{"me"})); err == nil {
		t.Fatal("certificate from another CA accepted")
	}
	if _, err := f.dial(sign(ca, nil)); err == nil {
		t.Fatal("certificate without principals accepted")
	}
	if _, err := f.dial(sign(ca, []string{"someone-else"})); err == nil {
		t.Fatal("certificate for another user accepted")
	}
}

func TestEverythingElseRefused(t *testing.T) {
	key := newSigner(t)
	f := start(t, "%s\n", key.PublicKey())
	c, err := f.dial(key)
	if err != nil {
		t.Fatal(err)
	}
	if conn, err := c.Dial("tcp", f.addr); err == nil {
		conn.Close()
		t.Error("local port forwarding (direct-tcpip) accepted")
	}
	if l, err := c.Listen("tcp", "127.0.0.1:0"); err == nil {
		l.Close()
		t.Error("remote port forwarding (tcpip-forward) accepted")
	}
	s, _ := c.NewSession()
	defer s.Close()
	if err := s.RequestSubsystem("sftp"); err == nil {
		t.Error("sftp subsystem accepted")
	}
	s2, _ := c.NewSession()
	defer s2.Close()
	if ok, _ := s2.SendRequest("auth-agent-req@openssh.com", true, nil); ok {
		t.Error("agent forwarding accepted")
	}
	if err := s2.Setenv("LD_PRELOAD", "/tmp/x.so"); err == nil {
		t.Error("env request accepted")
	}
	if ok, _ := s2.SendRequest("x11-req", true, gossh.Marshal(struct {
		Single        bool
		Proto, Cookie string
		Screen        uint32
	}{false, "MIT-MAGIC-COOKIE-1", "00", 0})); ok {
		t.Error("X11 forwarding accepted")
	}
}

func TestAttachNeedsPTY(t *testing.T) {
	key := newSigner(t)
	f := start(t, "%s\n", key.PublicKey())
	c, _ := f.dial(key)
	_, errOut, code := run(t, c, "attach echo", false)
	if code != 1 || !strings.Contains(errOut, "ssh with -t") {
		t.Fatalf("attach without pty: %d %q", code, errOut)
	}
	_, errOut, code = run(t, c, "frobnicate", false)
	if code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
	_, errOut, code = run(t, c, "snapshot nope", false)
	if code != 2 || !strings.Contains(errOut, `no session "nope"`) {
		t.Fatalf("unknown session: %d %q", code, errOut)
	}
}

// termSession is an interactive ssh -t session read into a test terminal.
type termSession struct {
	s    *gossh.Session
	in   interface{ Write([]byte) (int, error) }
	term *testprog.Term
	errb *lockedBuf
	done chan error
}

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func attachTerm(t *testing.T, c *gossh.Client, command string, cols, rows int) *termSession {
	t.Helper()
	s, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.RequestPty("xterm-256color", rows, cols, nil); err != nil {
		t.Fatal(err)
	}
	ts := &termSession{s: s, term: testprog.NewTerm(cols, rows, nil), errb: &lockedBuf{}, done: make(chan error, 1)}
	t.Cleanup(ts.term.Close)
	in, _ := s.StdinPipe()
	ts.in = in
	s.Stdout, s.Stderr = ts.term, ts.errb
	if err := s.Start(command); err != nil {
		t.Fatal(err)
	}
	go func() { ts.done <- s.Wait() }()
	return ts
}

func (ts *termSession) waitText(t *testing.T, want string) {
	t.Helper()
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(ts.term.Text(), want) }) {
		t.Fatalf("screen never showed %q:\n%s", want, ts.term.Text())
	}
}

func TestWindowChangeReachesProgram(t *testing.T) {
	key := newSigner(t)
	f := start(t, "%s\n", key.PublicKey())
	c, _ := f.dial(key)
	ts := attachTerm(t, c, "attach ws", 100, 30)
	ts.waitText(t, "size 100x30")
	ts.s.WindowChange(40, 120)
	ts.waitText(t, "size 120x40")
}

func TestDetachKeepsProgramAndReattachRepaints(t *testing.T) {
	key := newSigner(t)
	f := start(t, "%s\n", key.PublicKey())
	c, _ := f.dial(key)
	ts := attachTerm(t, c, "attach echo", 80, 24)
	ts.waitText(t, "ready")
	ts.in.Write([]byte("typed-over-ssh"))
	ts.waitText(t, "typed-over-ssh")
	s, _ := f.k.Get("echo")
	pid := s.Status().Pid
	ts.in.Write([]byte{0x1c})
	select {
	case err := <-ts.done:
		if err != nil {
			t.Fatalf("detach: exit %v, want status 0", err)
		}
	case <-time.After(wait):
		t.Fatal("detach key did not end the session")
	}
	if !strings.Contains(ts.errb.String(), "[detached from echo]") {
		t.Fatalf("stderr %q", ts.errb.String())
	}
	if st := s.Status(); st.Pid != pid || st.State != ptykeeper.Running {
		t.Fatalf("program after detach: %+v", st)
	}
	again := attachTerm(t, c, "attach echo", 80, 24)
	again.waitText(t, "typed-over-ssh")
	// A dropped connection detaches too.
	c.Close()
	if !testprog.WaitFor(wait, func() bool { return s.Status().Clients == 0 }) {
		t.Fatal("client still attached after the connection dropped")
	}
	if s.Status().Pid != pid {
		t.Fatal("program restarted by a dropped connection")
	}
}

func TestShellWithoutCommand(t *testing.T) {
	key := newSigner(t)
	f := start(t, "%s\n", key.PublicKey())
	c, _ := f.dial(key)
	out, _, code := run(t, c, "", true)
	if code != 0 || !strings.Contains(out, "attach with: ssh -t HOST attach NAME") || !strings.Contains(out, "\r\n") {
		t.Fatalf("no command, two sessions: %d %q", code, out)
	}
}

func TestHostKeyStable(t *testing.T) {
	p := filepath.Join(home(t), "state", "k")
	a, created, err := LoadOrCreateHostKey(p)
	if err != nil || !created {
		t.Fatal(err)
	}
	b, created, err := LoadOrCreateHostKey(p)
	if err != nil || created || !bytes.Equal(a.PublicKey().Marshal(), b.PublicKey().Marshal()) {
		t.Fatal("host key changed across loads")
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Fatalf("host key mode %v", st.Mode().Perm())
	}
}

func TestAuthorizedKeysReloadedOnChange(t *testing.T) {
	a, b := newSigner(t), newSigner(t)
	f := start(t, "%s\n", a.PublicKey())
	if _, err := f.dial(b); err == nil {
		t.Fatal("b accepted before being added")
	}
	time.Sleep(10 * time.Millisecond) // a different mtime
	os.WriteFile(f.keys, append(gossh.MarshalAuthorizedKey(a.PublicKey()), gossh.MarshalAuthorizedKey(b.PublicKey())...), 0o600)
	if _, err := f.dial(b); err != nil {
		t.Fatalf("b refused after being added: %v", err)
	}
}
