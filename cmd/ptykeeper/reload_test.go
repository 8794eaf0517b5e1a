package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

// A reload applies the daemon settings that can change while it runs
// (log_dir, size_policy), names the ones that cannot, says what it did, and
// after a partial failure says what failed and that the rest was applied.
func TestReloadDaemonSettings(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pk.toml")
	logs1, logs2 := filepath.Join(dir, "logs1"), filepath.Join(dir, "logs2")
	session := "[session.a]\ncommand = \"sh -c 'while read l; do echo got $l; done'\"\n"
	writeConfig(t, cfg, "log_dir = \""+logs1+"\"\n"+session)
	d := startDaemon(t, "-c", cfg)
	if !testprog.WaitFor(wait, func() bool { return statusPid(t, d, "a") != "" }) {
		t.Fatalf("session not up:\n%s", d.log)
	}
	pid := statusPid(t, d, "a")
	writeConfig(t, cfg, "log_dir = \""+logs2+"\"\nsize_policy = \"smallest\"\nstate_dir = \""+filepath.Join(dir, "state")+"\"\n"+session)
	out, code := d.run("reload")
	if code != 0 || !strings.Contains(out, "settings applied: size_policy, log_dir/logs") ||
		!strings.Contains(out, "not applied, need a daemon restart: state_dir") || !strings.Contains(out, "unchanged: a") {
		t.Fatalf("reload: %d\n%s", code, out)
	}
	d.run("send", "a", "hello", "Enter")
	if !testprog.WaitFor(wait, func() bool {
		b, _ := os.ReadFile(filepath.Join(logs2, "a", "current"))
		return strings.Contains(string(b), "got hello")
	}) {
		t.Fatal("log_dir change not applied: the new directory has no log")
	}
	if statusPid(t, d, "a") != pid {
		t.Fatal("a daemon setting restarted the program")
	}

	// One session cannot start: the others are still applied, and the
	// reply says which failed.
	writeConfig(t, cfg, "log_dir = \""+logs2+"\"\n"+session+"[session.bad]\ncommand = \"/nonexistent/prog\"\nrestart = \"never\"\n[session.good]\ncommand = \"sleep 600\"\n")
	out, code = d.run("reload")
	if code == 0 || !strings.Contains(out, "added: good") || !strings.Contains(out, "failed: bad:") || strings.Contains(out, "nothing changed") {
		t.Fatalf("partial reload: %d\n%s", code, out)
	}
	if statusPid(t, d, "good") == "" {
		t.Fatal("the good session was not started")
	}
}

// SIGTERM during a reload that is stopping a slow program is not delayed
// behind it: the daemon starts shutting down at once.
func TestReloadDoesNotDelaySIGTERM(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "pk.toml")
	slow := "[session.slow]\ncommand = \"sh -c \\\"trap '' TERM; echo up; exec sleep 1000\\\"\"\nstopwait = \"3s\"\n"
	writeConfig(t, cfg, slow)
	d := startDaemon(t, "-c", cfg)
	if !testprog.WaitFor(wait, func() bool { return statusPid(t, d, "slow") != "" }) {
		t.Fatalf("session not up:\n%s", d.log)
	}
	writeConfig(t, cfg, strings.Replace(slow, "sleep 1000", "sleep 1001", 1))
	d.cmd.Process.Signal(syscall.SIGHUP)
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(d.log.String(), "msg=stopping") }) {
		t.Fatalf("reload did not start stopping the program:\n%s", d.log)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(d.log.String(), "shutting down") }) {
		t.Fatal("no shutdown")
	}
	l := d.log.String()
	if i := strings.Index(l, "msg=reloaded"); i >= 0 && i < strings.Index(l, "shutting down") {
		t.Fatalf("SIGTERM waited for the reload:\n%s", l)
	}
	d.stop()
}

// A reload applies the [ssh] table and the detach key while running: a
// new listen address answers, the dropped one does not, another
// authorized_keys file and detach key apply to new attaches, and the SSH
// client attached meanwhile stays attached.
func TestReloadSSHKeepsClients(t *testing.T) {
	h := newUserHome(t, true)
	portB := freePort(t)
	keys2 := filepath.Join(h.dir, ".ssh", "keys2")
	pub, _ := os.ReadFile(h.key + ".pub")
	os.WriteFile(keys2, pub, 0o600)
	cfg := filepath.Join(h.dir, "pk.toml")
	session := "[session.echo]\ncommand = \"sh -c 'stty raw -echo; echo ready; exec cat'\"\n"
	writeConfig(t, cfg, "[ssh]\nlisten = \"127.0.0.1:"+h.port+"\"\n"+session)
	d := h.serve(t, "-c", cfg)
	view, ptmx, exit := h.ssh(t, []string{"-t"}, "localhost", "attach", "echo")
	// Attached for real (the repaint came over SSH), not just the local
	// terminal echoing while ssh connects.
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(view.Text(), "ready") }) {
		t.Fatalf("ssh client not attached:\n%s\n%s", view.Text(), d.log)
	}
	ptmx.Write([]byte("before"))
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(view.Text(), "before") }) {
		t.Fatalf("ssh client not attached:\n%s\n%s", view.Text(), d.log)
	}
	writeConfig(t, cfg, "detach_key = \"^A\"\n[ssh]\nlisten = \"127.0.0.1:"+portB+"\"\nauthorized_keys = \""+keys2+"\"\n"+session)
	out, code := h.client("reload")
	if code != 0 || !strings.Contains(out, "ssh.listen +127.0.0.1:"+portB) || !strings.Contains(out, "ssh.listen -127.0.0.1:"+h.port) ||
		!strings.Contains(out, "ssh.authorized_keys") || !strings.Contains(out, "detach_key") {
		t.Fatalf("reload: %d %s", code, out)
	}
	ptmx.Write([]byte("-after"))
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(view.Text(), "before-after") }) {
		t.Fatalf("the attached SSH client was dropped by the reload:\n%s", view.Text())
	}
	if c, err := net.DialTimeout("tcp", "127.0.0.1:"+h.port, time.Second); err == nil {
		c.Close()
		t.Fatal("the dropped address still answers")
	}
	h.port = portB
	view2, ptmx2, exit2 := h.ssh(t, []string{"-t"}, "localhost", "attach", "echo")
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(view2.Text(), "before-after") }) {
		t.Fatalf("no attach on the new address:\n%s", view2.Text())
	}
	ptmx2.Write([]byte{0x01}) // the new detach key, Ctrl-A
	if code := exit2(); code != 0 {
		t.Fatalf("the new detach key did not detach: exit %d", code)
	}
	ptmx.Write([]byte{0x1c}) // the first client keeps the key it attached with
	if code := exit(); code != 0 {
		t.Fatalf("first client: exit %d:\n%s\n%s", code, view.Text(), d.log)
	}
}
