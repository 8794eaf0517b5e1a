package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

// End to end with the real OpenSSH client, driven inside a PTY: attach,
// type, see the echo, detach; the host key stays the same across a daemon
// restart (no known_hosts warning).
func TestOpenSSHAttach(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no OpenSSH client (apt-get install openssh-client)")
	}
	dir := t.TempDir()
	key := filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	pub, _ := os.ReadFile(key + ".pub")
	authKeys := filepath.Join(dir, "authorized_keys")
	os.WriteFile(authKeys, pub, 0o600)
	cfg := filepath.Join(dir, "pk.toml")
	port := freePort(t)
	writeConfig(t, cfg, "state_dir = \""+filepath.Join(dir, "state")+"\"\n[ssh]\nlisten = \"127.0.0.1:"+port+"\"\nauthorized_keys = \""+authKeys+"\"\n")
	knownHosts := filepath.Join(dir, "known_hosts")

	sshArgs := func(cmd ...string) []string {
		return append([]string{"-tt", "-p", port, "-i", key, "-F", "/dev/null",
			"-o", "UserKnownHostsFile=" + knownHosts, "-o", "StrictHostKeyChecking=accept-new",
			"-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "127.0.0.1"}, cmd...)
	}
	for round := 0; round < 2; round++ {
		// The daemon's home is dir: the StrictModes checks of authorized_keys
		// stop there (and not at /tmp, which anyone may write to).
		d := startDaemonEnv(t, []string{"HOME=" + dir}, "-c", cfg, "--demo")
		if !testprog.WaitFor(wait, func() bool {
			c, err := net.Dial("tcp", "127.0.0.1:"+port)
			if err == nil {
				c.Close()
			}
			return err == nil
		}) {
			t.Fatalf("ssh not listening:\n%s", d.log)
		}
		cmd := exec.Command("ssh", sshArgs("attach", "demo")...)
		ptmx, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: 90, Rows: 30})
		if err != nil {
			t.Fatal(err)
		}
		view := testprog.NewTerm(90, 30, nil)
		readerDone := make(chan struct{})
		go func() {
			defer close(readerDone)
			buf := make([]byte, 4096)
			for {
				n, err := ptmx.Read(buf)
				view.Write(buf[:n])
				if err != nil {
					return
				}
			}
		}()
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
		err = cmd.Wait()
		if err != nil {
			t.Fatalf("round %d: ssh exited with %v after detach, want 0:\n%s", round, err, view.Text())
		}
		ptmx.Close()
		<-readerDone
		view.Close()
		out, _ := d.run("status", "demo")
		if !strings.Contains(out, "RUNNING") && !strings.Contains(out, "STARTING") {
			t.Fatalf("demo after ssh detach: %s", out)
		}
		if code := d.stop(); code != 0 {
			t.Fatalf("daemon exit %d", code)
		}
	}
	kh, _ := os.ReadFile(knownHosts)
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

var _ = syscall.SIGTERM
