package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

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
