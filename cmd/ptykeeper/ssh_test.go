package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

// End to end with the real OpenSSH client, driven inside a PTY: attach,
// type, see the echo, detach; the host key stays the same across a daemon
// restart (no known_hosts warning).
func TestOpenSSHAttach(t *testing.T) {
	h := newUserHome(t, true)
	cfg := filepath.Join(h.dir, "pk.toml")
	writeConfig(t, cfg, "state_dir = \""+filepath.Join(h.dir, "state")+"\"\n[ssh]\nlisten = \"127.0.0.1:"+h.port+"\"\n")
	for round := 0; round < 2; round++ {
		d := h.serve(t, "-c", cfg, "--demo")
		if !testprog.WaitFor(wait, func() bool { return sshListening.MatchString(d.log.String()) }) {
			t.Fatalf("ssh not listening:\n%s", d.log)
		}
		view, ptmx, exit := h.ssh(t, []string{"-tt"}, "127.0.0.1", "attach", "demo")
		waitView := func(want string) {
			t.Helper()
			if !testprog.WaitFor(wait, func() bool { return strings.Contains(view.Text(), want) }) {
				t.Fatalf("round %d: ssh terminal never showed %q:\n%s\ndaemon log:\n%s", round, want, view.Text(), d.log)
			}
		}
		waitView("ptykeeper demo")
		waitView("window       90x30")
		ptmx.Write([]byte("over-ssh"))
		waitView(`"over-ssh"`)
		ptmx.Write([]byte{0x1c})
		if code := exit(); code != 0 {
			t.Fatalf("round %d: ssh exited %d after detach, want 0:\n%s", round, code, view.Text())
		}
		out, _ := h.client("status", "demo")
		if !strings.Contains(out, "RUNNING") && !strings.Contains(out, "STARTING") {
			t.Fatalf("demo after ssh detach: %s", out)
		}
		if code := d.stop(); code != 0 {
			t.Fatalf("daemon exit %d", code)
		}
	}
	kh, _ := os.ReadFile(filepath.Join(h.dir, "known_hosts"))
	if strings.Count(string(kh), "\n") != 1 {
		t.Fatalf("known_hosts changed across the restart:\n%s", kh)
	}
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, p, _ := net.SplitHostPort(l.Addr().String())
	return p
}
