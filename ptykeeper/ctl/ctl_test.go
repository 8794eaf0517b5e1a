package ctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	ptykeeper.RunExecHelper()
	testprog.Main()
	goleak.VerifyTestMain(m)
}

const wait = 10 * time.Second

func TestKeys(t *testing.T) {
	for in, want := range map[string]byte{`^\`: 0x1c, "^x": 0x18, "^?": 0x7f, "q": 'q'} {
		got, err := ParseDetachKey(in)
		if b, ok := got.Byte(); err != nil || !ok || b != want {
			t.Errorf("ParseDetachKey(%q) = %v, %v", in, got, err)
		}
		if again, _ := ParseDetachKey(got.String()); again != got {
			t.Errorf("%q: String %q does not parse back", in, got.String())
		}
	}
	if k, err := ParseDetachKey("none"); err != nil || k != NoDetachKey {
		t.Errorf("none: %v %v", k, err)
	}
	if p, detach := SplitDetach([]byte("a\x1cb"), NoDetachKey); detach || string(p) != "a\x1cb" {
		t.Error("none detached")
	}
	for _, bad := range []string{"ctrl-x", "", "^@", "\x00"} {
		if _, err := ParseDetachKey(bad); err == nil {
			t.Errorf("bad key %q accepted", bad)
		}
	}
	if got := string(KeysToBytes([]string{"ls", "Enter", "C-c", "M-x", "Up"}, false)); got != "ls\r\x03\x1bx\x1b[A" {
		t.Errorf("keys: %q", got)
	}
	if got := string(KeysToBytes([]string{"Enter"}, true)); got != "Enter" {
		t.Errorf("literal: %q", got)
	}
}

// The zero DetachKey is Ctrl-\, not NUL: Ctrl-Space must not detach a
// client of a server nobody configured.
func TestDetachKeyZeroValue(t *testing.T) {
	var k DetachKey
	if b, ok := k.Byte(); !ok || b != 0x1c || k.String() != `^\` {
		t.Fatalf("zero DetachKey: %v %v %q", b, ok, k.String())
	}
	if p, detach := SplitDetach([]byte("ab\x00cd"), k); detach || string(p) != "ab\x00cd" {
		t.Fatal("NUL detached with the zero DetachKey")
	}
	if p, detach := SplitDetach([]byte("ab\x1ccd"), k); !detach || string(p) != "ab" {
		t.Fatal("Ctrl-\\ did not detach with the zero DetachKey")
	}
}

func TestStatusLine(t *testing.T) {
	st := ptykeeper.Status{Name: "earthquake", State: ptykeeper.Backoff, Failures: 4,
		LastExit: &ptykeeper.ExitStatus{Code: 1}, NextStart: time.Now().Add(8*time.Second + 400*time.Millisecond)}
	if got := StatusLine(st); got != "earthquake   BACKOFF   exited 1 four times, next start in 8s" {
		t.Fatalf("%q", got)
	}
	st = ptykeeper.Status{Name: "earthquake", State: ptykeeper.Running, Pid: 4211, Clients: 2, Started: time.Now().Add(-(3*time.Hour + 2*time.Minute + 11*time.Second))}
	if got := StatusLine(st); got != "earthquake   RUNNING   pid 4211, uptime 3:02:11, 2 clients" {
		t.Fatalf("%q", got)
	}
}

func TestRightNames(t *testing.T) {
	for _, set := range []Rights{Use, Control, Control | Send, Kill | Reload, New, Admin, Start | Upgrade} {
		back, err := ParseRights(set.Names())
		if err != nil || back != set {
			t.Errorf("%v: names %v parse back to %v, %v", uint16(set), set.Names(), back, err)
		}
	}
	if _, err := ParseRights([]string{"control", "everything"}); err == nil || !strings.Contains(err.Error(), `unknown right "everything" (rights: use, start, stop, restart, send, kill, reload, new, upgrade, control, admin)`) {
		t.Errorf("unknown right: %v", err)
	}
}

// What a plain SSH key may run is exactly the viewer's set; everything that
// changes something needs its own right.
func TestTable(t *testing.T) {
	var use []string
	for _, n := range Names() {
		need, ok := Need(n)
		if !ok || need == 0 {
			t.Errorf("%s needs no right", n)
		}
		if Use.Has(need) {
			use = append(use, n)
		}
	}
	slices.Sort(use)
	if want := []string{"attach", "help", "logs", "ls", "snapshot", "status", "version"}; !slices.Equal(use, want) {
		t.Errorf("commands every key may run: %v, want %v", use, want)
	}
	for cmd, want := range map[string]Rights{"start": Start, "stop": Stop, "restart": Restart, "send": Send, "kill": Kill, "reload": Reload, "new": New, "upgrade": Upgrade, "list": Use} {
		if need, _ := Need(cmd); need != want {
			t.Errorf("%s needs %v, want %v", cmd, need, want)
		}
	}
}

// caller is a transport's caller holding some rights.
type caller struct {
	rights Rights
	user   string
	asked  []string
}

func (c *caller) Allow(cmd string, need Rights) error {
	c.asked = append(c.asked, cmd)
	if !c.rights.Has(need) {
		return fmt.Errorf("refused: this caller may not %s (grant %q)", cmd, need.String())
	}
	return nil
}

func (c *caller) NewSessionUser() (string, error) {
	if c.user == "" {
		return "", errors.New("new is off for this caller")
	}
	return c.user, nil
}

func newKeeper(t *testing.T) *ptykeeper.Keeper {
	k := ptykeeper.New(ptykeeper.Options{})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		k.Shutdown(ctx)
	})
	argv, env := testprog.Command("echo")
	sp := ptykeeper.NewSpec("echo", argv)
	sp.Env = env
	if _, err := k.Add(sp); err != nil {
		t.Fatal(err)
	}
	return k
}

func runCmd(k *ptykeeper.Keeper, c Caller, argv ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = Run(context.Background(), &Env{Keeper: k, Caller: c, Stdout: &out, Stderr: &errb}, argv)
	return code, out.String(), errb.String()
}

// Run asks the caller before it runs anything; a refusal changes nothing
// and its message reaches the caller.
func TestRunAsksTheCaller(t *testing.T) {
	k := newKeeper(t)
	viewer := &caller{rights: Use}
	if code, out, _ := runCmd(k, viewer, "ls"); code != 0 || !strings.Contains(out, "echo") {
		t.Fatalf("ls: %d %q", code, out)
	}
	for _, argv := range [][]string{{"kill", "echo"}, {"stop", "echo"}, {"restart", "echo"}, {"send", "echo", "x"}, {"new", "x", "--", "true"}, {"reload"}} {
		code, _, errOut := runCmd(k, viewer, argv...)
		if code != 1 || !strings.Contains(errOut, "ptykeeper "+argv[0]+": refused: this caller may not "+argv[0]) {
			t.Errorf("%v by a viewer: %d %q", argv, code, errOut)
		}
	}
	if st, err := k.Get("echo"); err != nil || st.Status().State != ptykeeper.Running && st.Status().State != ptykeeper.Starting {
		t.Fatalf("a refused command changed the session: %v", err)
	}
	if _, err := k.Get("x"); err == nil {
		t.Fatal("refused new added a session")
	}
	if code, _, errOut := runCmd(k, viewer, "frobnicate"); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown: %d %q", code, errOut)
	}
	admin := &caller{rights: Admin}
	if code, _, errOut := runCmd(k, admin, "kill", "echo"); code != 0 {
		t.Fatalf("kill with the right: %d %q", code, errOut)
	}
	if _, err := k.Get("echo"); err == nil {
		t.Fatal("kill with the right did not remove the session")
	}
}

// new as a caller with a new-sessions user runs the program as that user;
// without one it is refused.
func TestNewRunsAsTheCallersUser(t *testing.T) {
	k := newKeeper(t)
	c := &caller{rights: Admin}
	if code, _, errOut := runCmd(k, c, "new", "who", "--", "id", "-un"); code != 1 || !strings.Contains(errOut, "new is off for this caller") {
		t.Fatalf("new without a user: %d %q", code, errOut)
	}
	c.user = "nobody"
	if code, _, errOut := runCmd(k, c, "new", "who", "--", "sh", "-c", "id -un; exec sleep 60"); code != 0 {
		t.Fatalf("new: %d %q", code, errOut)
	}
	s, err := k.Get("who")
	if err != nil {
		t.Fatal(err)
	}
	if sp := s.Spec(); sp.User != "nobody" || sp.Restart != ptykeeper.RestartAlways {
		t.Fatalf("spec %+v", sp)
	}
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(string(s.Snapshot(false)), "nobody") }) {
		t.Fatalf("program did not run as nobody: %q", s.Snapshot(false))
	}
	// The local owner (nil caller) runs new as the daemon's user.
	if code, _, errOut := runCmd(k, nil, "new", "mine", "--", "sleep", "60"); code != 0 {
		t.Fatalf("local new: %d %q", code, errOut)
	}
	if s, _ := k.Get("mine"); s.Spec().User != "" {
		t.Fatalf("local new as %q", s.Spec().User)
	}
}

// The zero Env refuses instead of crashing.
func TestZeroEnv(t *testing.T) {
	var errb bytes.Buffer
	if code := Run(context.Background(), &Env{Stderr: &errb}, []string{"ls"}); code != 1 || !strings.Contains(errb.String(), "Keeper is nil") {
		t.Fatalf("%d %q", code, errb.String())
	}
	if code := Run(context.Background(), &Env{}, []string{"ls"}); code != 1 {
		t.Fatalf("zero Env: %d", code)
	}
}
