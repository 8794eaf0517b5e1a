package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

func writeConfig(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func statusPid(t *testing.T, d *daemon, name string) string {
	t.Helper()
	out, _ := d.run("status", name)
	f := strings.Fields(out)
	for i, w := range f {
		if w == "pid" && i+1 < len(f) {
			return strings.TrimSuffix(f[i+1], ",")
		}
	}
	return ""
}

func TestConfigReloadAndLogs(t *testing.T) {
	dir := t.TempDir()
	logs := filepath.Join(dir, "logs")
	cfgPath := filepath.Join(dir, "pk.toml")
	base := "log_dir = \"" + logs + "\"\n[session.a]\ncommand = \"sh -c 'echo hello from a; exec sleep 600'\"\n"
	writeConfig(t, cfgPath, base+"[session.b]\ncommand = \"sleep 601\"\n")
	d := startDaemon(t, "-c", cfgPath)
	if !testprog.WaitFor(wait, func() bool { return statusPid(t, d, "a") != "" && statusPid(t, d, "b") != "" }) {
		out, _ := d.run("ls")
		t.Fatalf("sessions not up: %s\n%s", out, d.log)
	}
	// The log file has the program's output, one timestamped line each.
	if !testprog.WaitFor(wait, func() bool {
		b, _ := os.ReadFile(filepath.Join(logs, "a", "current"))
		return strings.Contains(string(b), "Z hello from a\n")
	}) {
		t.Fatal("log file lacks the program's output")
	}
	pa, pb := statusPid(t, d, "a"), statusPid(t, d, "b")

	// An invalid config: reload fails, names file:line, changes nothing.
	writeConfig(t, cfgPath, base+"[session.b]\ncommand = \"sleep 601\"\nrestrat = \"always\"\n")
	out, code := d.run("reload")
	if code == 0 || !strings.Contains(out, cfgPath+":6: session.b.restrat: unknown key") {
		t.Fatalf("invalid reload: %d %q", code, out)
	}
	if statusPid(t, d, "a") != pa || statusPid(t, d, "b") != pb {
		t.Fatal("invalid reload touched sessions")
	}
	// Valid: a unchanged (same pid), b changed (restarted), c new. By SIGHUP.
	writeConfig(t, cfgPath, base+"[session.b]\ncommand = \"sleep 602\"\n[session.c]\ncommand = \"sleep 603\"\n")
	d.cmd.Process.Signal(syscall.SIGHUP)
	if !testprog.WaitFor(wait, func() bool { p := statusPid(t, d, "b"); return p != "" && p != pb && statusPid(t, d, "c") != "" }) {
		out, _ := d.run("ls")
		t.Fatalf("SIGHUP reload not applied:\n%s", out)
	}
	if statusPid(t, d, "a") != pa {
		t.Fatal("unchanged session restarted by reload")
	}
	// Removed from the config: stopped and gone.
	writeConfig(t, cfgPath, base)
	if out, code := d.run("reload"); code != 0 {
		t.Fatalf("reload: %s", out)
	}
	if out, _ := d.run("ls"); strings.Contains(out, "\nb ") || strings.Contains(out, "\nc ") {
		t.Fatalf("removed sessions still listed:\n%s", out)
	}
	if code := d.stop(); code != 0 {
		t.Fatalf("SIGTERM: exit %d\n%s", code, d.log)
	}
	if pid, _ := strconv.Atoi(pa); syscall.Kill(pid, 0) == nil {
		t.Fatal("program survived the daemon's SIGTERM")
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "good.toml"), filepath.Join(dir, "bad.toml")
	writeConfig(t, good, "[session.irc]\ncommand = [\"irssi\"]\n")
	writeConfig(t, bad, "[session.irc]\ncommand = [\"irssi\"]\nsize = \"huge\"\n")
	out, err := exec.Command(binary, "check", "-c", good).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok, 1 sessions: irc") {
		t.Fatalf("check good: %v %q", err, out)
	}
	out, err = exec.Command(binary, "check", "-c", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(out), bad+":3: session.irc.size:") {
		t.Fatalf("check bad: %v %q", err, out)
	}
}

func TestDetachAndPidfile(t *testing.T) {
	dir, _ := os.MkdirTemp("", "pk")
	defer os.RemoveAll(dir)
	sock, pidfile, logf := filepath.Join(dir, "s.sock"), filepath.Join(dir, "pk.pid"), filepath.Join(dir, "pk.log")
	env := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	cmd := exec.Command(binary, "serve", "--demo", "--ssh-listen", "off", "--detach", "--pidfile", pidfile, "--log-file", logf)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "daemon running") {
		t.Fatalf("--detach: %v %q", err, out)
	}
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	defer syscall.Kill(pid, syscall.SIGKILL)
	ls := exec.Command(binary, "ls")
	ls.Env = env
	if out, err := ls.CombinedOutput(); err != nil || !strings.Contains(string(out), "demo") {
		t.Fatalf("ls: %v %q", err, out)
	}
	// A second daemon on the same socket refuses, and says so.
	cmd = exec.Command(binary, "serve", "--demo", "--ssh-listen", "off", "--detach", "--pidfile", pidfile, "--log-file", logf)
	cmd.Env = env
	out, err = cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "already running") {
		t.Fatalf("second daemon: %v %q", err, out)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	if !testprog.WaitFor(wait, func() bool { _, err := os.Stat(pidfile); return err != nil }) {
		t.Fatal("pidfile left after SIGTERM")
	}
	if !testprog.WaitFor(wait, func() bool { return syscall.Kill(pid, 0) != nil }) {
		t.Fatal("daemon did not exit")
	}
}

// Type=notify: READY=1 once serving, STOPPING=1 on SIGTERM, through a real
// notify socket.
func TestSystemdNotify(t *testing.T) {
	dir, _ := os.MkdirTemp("", "pk")
	defer os.RemoveAll(dir)
	nsock := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: nsock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	msgs := make(chan string, 16)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, _, err := conn.ReadFromUnix(buf)
			if err != nil {
				close(msgs)
				return
			}
			msgs <- string(buf[:n])
		}
	}()
	t.Setenv("NOTIFY_SOCKET", nsock)
	d := startDaemon(t, "--session", "env=sh -c 'env; exec sleep 600'")
	expect := func(want string) {
		t.Helper()
		for {
			select {
			case m := <-msgs:
				if strings.Contains(m, want) {
					return
				}
			case <-time.After(wait):
				t.Fatalf("no %s from the daemon", want)
			}
		}
	}
	expect("READY=1")
	out, _ := d.run("logs", "env")
	if strings.Contains(out, "NOTIFY_SOCKET") {
		t.Fatal("NOTIFY_SOCKET reached the program")
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	expect("STOPPING=1")
}

// The daemon is a subreaper: an orphaned grandchild that exits is reaped,
// not left a zombie.
func TestOrphansReaped(t *testing.T) {
	d := startDaemon(t, "--session", "orph=sh -c '(sleep 0.3 &); exec sleep 600'")
	pid := d.cmd.Process.Pid
	sawOrphan := testprog.WaitFor(wait, func() bool { return len(childrenOf(pid, "sleep")) >= 2 })
	if !sawOrphan {
		t.Fatal("the orphan was never adopted by the daemon")
	}
	if !testprog.WaitFor(wait, func() bool { return len(childrenOf(pid, "")) == 1 && len(zombiesOf(pid)) == 0 }) {
		t.Fatalf("children %v, zombies %v", childrenOf(pid, ""), zombiesOf(pid))
	}
}

func procStat(p string) (comm, state string, ppid int, ok bool) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", "", 0, false
	}
	i, j := strings.IndexByte(string(b), '('), strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[j+2:]))
	ppid, _ = strconv.Atoi(f[1])
	return string(b[i+1 : j]), f[0], ppid, true
}

func childrenOf(pid int, comm string) []string {
	var out []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		c, _, ppid, ok := procStat(p)
		if ok && ppid == pid && (comm == "" || c == comm) {
			out = append(out, c)
		}
	}
	return out
}

func zombiesOf(pid int) []string {
	var out []string
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		c, st, ppid, ok := procStat(p)
		if ok && ppid == pid && st == "Z" {
			out = append(out, c)
		}
	}
	return out
}
