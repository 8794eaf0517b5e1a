package sshd

import (
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	gossh "golang.org/x/crypto/ssh"
)

// reloads counts reloads, as the daemon would do them.
type reloads struct{ n atomic.Int32 }

func (r *reloads) Reload() (string, error) { r.n.Add(1); return "", nil }

func (r *reloads) Upgrade(ctl.UpgradeRequest) (string, error) {
	return "", errors.New("not in this test")
}

// A plain key may use the sessions but change nothing: each command that
// changes something is refused, says which setting grants it, is logged
// with the key's fingerprint, and leaves the session as it was. With the
// grant, the same command works.
func TestPlainKeyRefusedWhatChangesThings(t *testing.T) {
	plain, admin := newSigner(t), newSigner(t)
	f := start(t, "%s plain\n%s admin\n", plain.PublicKey(), admin.PublicKey())
	daemon := &reloads{}
	f.srv.Daemon = daemon
	f.srv.SetPolicy(Policy{Grants: []Grant{{Key: gossh.FingerprintSHA256(admin.PublicKey()), Rights: ctl.Admin}}, NewSessionsUser: "nobody"})
	c, err := f.dial(plain)
	if err != nil {
		t.Fatal(err)
	}
	echo, _ := f.k.Get("echo")
	pid := echo.Status().Pid
	fp := gossh.FingerprintSHA256(plain.PublicKey())
	for _, tc := range []struct{ command, right string }{
		{"new pwn -- sh -c 'id > /tmp/pwned.txt'", "new"},
		{"kill echo", "kill"},
		{"send echo pwned Enter", "send"},
		{"reload", "reload"},
		{"stop echo", "stop"},
		{"start echo", "start"},
		{"restart echo", "restart"},
		{"upgrade", "upgrade"},
	} {
		_, errOut, code := run(t, c, tc.command, false)
		verb := strings.Fields(tc.command)[0]
		if code != 1 || !strings.Contains(errOut, "refused: this key "+fp+" may not run \""+verb+"\"") ||
			!strings.Contains(errOut, "[[ssh.grant]]\n  key = \""+fp+"\"\n  allow = [\""+tc.right+"\"]") {
			t.Errorf("%s by a plain key: exit %d, stderr %q", tc.command, code, errOut)
		}
		if !strings.Contains(f.log.String(), `msg="ssh command refused" command=`+verb) || !strings.Contains(f.log.String(), "key="+fp) {
			t.Errorf("%s: refusal not logged with the key:\n%s", tc.command, f.log.String())
		}
	}
	if st := echo.Status(); st.Pid != pid || strings.Contains(string(echo.Snapshot(false)), "pwned") {
		t.Fatalf("refused commands changed the session: %+v %q", st, echo.Snapshot(false))
	}
	if _, err := f.k.Get("pwn"); err == nil || daemon.n.Load() != 0 {
		t.Fatal("refused new or reload ran")
	}
	// What a viewer needs works.
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(string(echo.Snapshot(false)), "ready") }) {
		t.Fatal("echo never ready")
	}
	for _, cmd := range []string{"ls", "status echo", "logs echo", "snapshot echo", "help", "version"} {
		// (History lines are written a moment after the screen: retry.)
		var out, errOut string
		var code int
		if !testprog.WaitFor(wait, func() bool { out, errOut, code = run(t, c, cmd, false); return code != 0 || out != "" }) || code != 0 {
			t.Errorf("%s by a plain key: %d %q %q", cmd, code, out, errOut)
		}
	}
	ts := attachTerm(t, c, "attach echo", 80, 24)
	ts.waitText(t, "ready")
	ts.in.Write([]byte("typed-by-a-viewer"))
	ts.waitText(t, "typed-by-a-viewer")
	ts.in.Write([]byte{0x1c})
	<-ts.done

	// The granted key does each of them.
	a, err := f.dial(admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, a, "send echo granted Enter", false); code != 0 {
		t.Fatalf("send with the grant: %d %q", code, errOut)
	}
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(string(echo.Snapshot(false)), "granted") }) {
		t.Fatal("granted send did not reach the program")
	}
	if _, errOut, code := run(t, a, "reload", false); code != 0 || daemon.n.Load() != 1 {
		t.Fatalf("reload with the grant: %d %q", code, errOut)
	}
	if _, errOut, code := run(t, a, "stop echo", false); code != 0 || echo.Status().State != ptykeeper.Stopped {
		t.Fatalf("stop with the grant: %d %q %v", code, errOut, echo.Status().State)
	}
	if _, errOut, code := run(t, a, "kill echo", false); code != 0 {
		t.Fatalf("kill with the grant: %d %q", code, errOut)
	}
	if _, err := f.k.Get("echo"); err == nil {
		t.Fatal("kill with the grant left the session")
	}
}

// new over SSH needs the grant and ssh.new_sessions_user, never runs as
// root, and runs the program as that user.
func TestNewOverSSH(t *testing.T) {
	key := newSigner(t)
	f := start(t, "%s\n", key.PublicKey())
	grant := []Grant{{Key: gossh.FingerprintSHA256(key.PublicKey()), Rights: ctl.New}}
	// Rights are decided at login: each policy gets a new connection.
	newWho := func(name string) (string, int) {
		c, err := f.dial(key)
		if err != nil {
			t.Fatal(err)
		}
		_, errOut, code := run(t, c, "new "+name+" -- sh -c 'id -un; exec sleep 60'", false)
		return errOut, code
	}
	f.srv.SetPolicy(Policy{Grants: grant})
	if errOut, code := newWho("a"); code != 1 || !strings.Contains(errOut, "new over SSH is off") || !strings.Contains(errOut, `new_sessions_user = "USER"`) {
		t.Fatalf("new without new_sessions_user: %d %q", code, errOut)
	}
	f.srv.SetPolicy(Policy{Grants: grant, NewSessionsUser: "root"})
	if errOut, code := newWho("b"); code != 1 || !strings.Contains(errOut, "never run as root") {
		t.Fatalf("new as root: %d %q", code, errOut)
	}
	f.srv.SetPolicy(Policy{Grants: grant, NewSessionsUser: "nobody"})
	if errOut, code := newWho("c"); code != 0 {
		t.Fatalf("new as nobody: %d %q", code, errOut)
	}
	for _, name := range []string{"a", "b"} {
		if _, err := f.k.Get(name); err == nil {
			t.Errorf("refused new %s added a session", name)
		}
	}
	s, err := f.k.Get("c")
	if err != nil {
		t.Fatal(err)
	}
	if !testprog.WaitFor(wait, func() bool { return strings.HasPrefix(string(s.Snapshot(false)), "nobody") }) {
		t.Fatalf("program started over SSH does not run as nobody: %q", s.Snapshot(false))
	}
}

// Grants for certificates match the CA, and a principal if they name one.
func TestGrantForCertificates(t *testing.T) {
	ca, user := newSigner(t), newSigner(t)
	f := start(t, "cert-authority,principals=\"alice,bob\" %s ca\n", ca.PublicKey())
	f.srv.SetPolicy(Policy{Grants: []Grant{{Key: gossh.FingerprintSHA256(ca.PublicKey()), Principal: "alice", Rights: ctl.Kill}}})
	alice, err := f.dial(signCert(t, ca, user, certOpts{principals: []string{"alice"}}))
	if err != nil {
		t.Fatal(err)
	}
	bob, err := f.dial(signCert(t, ca, user, certOpts{principals: []string{"bob"}}))
	if err != nil {
		t.Fatal(err)
	}
	_, errOut, code := run(t, bob, "kill ws", false)
	if code != 1 || !strings.Contains(errOut, "principal = \"bob\"") {
		t.Fatalf("kill by bob's certificate: %d %q", code, errOut)
	}
	if _, errOut, code := run(t, alice, "kill ws", false); code != 0 {
		t.Fatalf("kill by alice's certificate: %d %q", code, errOut)
	}
	// A grant to the certified key itself does not apply to a certificate
	// login (the CA decides who that is), and a grant naming a principal
	// never applies to a plain key.
	p := Policy{Grants: []Grant{{Key: gossh.FingerprintSHA256(user.PublicKey()), Rights: ctl.Admin}, {Key: gossh.FingerprintSHA256(user.PublicKey()), Principal: "x", Rights: ctl.Admin}}}
	if r := p.rights(&Login{Fingerprint: gossh.FingerprintSHA256(user.PublicKey()), CA: gossh.FingerprintSHA256(ca.PublicKey()), Principals: []string{"alice"}}); r != ctl.Use {
		t.Errorf("certificate login got %v from grants to its key", r)
	}
	p.Grants = p.Grants[1:]
	if r := p.rights(&Login{Fingerprint: gossh.FingerprintSHA256(user.PublicKey())}); r != ctl.Use {
		t.Errorf("plain key got %v from a grant with a principal", r)
	}
}

// A forced command="attach NAME" keeps working, whatever the client asks.
func TestForcedAttach(t *testing.T) {
	key := newSigner(t)
	f := start(t, `command="attach echo",restrict,pty %s`+"\n", key.PublicKey())
	c, err := f.dial(key)
	if err != nil {
		t.Fatal(err)
	}
	ts := attachTerm(t, c, "kill echo", 80, 24)
	ts.waitText(t, "ready")
	ts.in.Write([]byte("forced"))
	ts.waitText(t, "forced")
	ts.in.Write([]byte{0x1c})
	<-ts.done
	if _, err := f.k.Get("echo"); err != nil {
		t.Fatal("the forced attach ran the requested kill")
	}
}

// The zero Server refuses to serve rather than guess.
func TestZeroServerRefused(t *testing.T) {
	var s Server
	l := newListener(t)
	if err := s.Serve(l); err == nil || !strings.Contains(err.Error(), "Keeper is nil") {
		t.Fatalf("zero Server served: %v", err)
	}
}
