package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

var (
	v2Once sync.Once
	v2Bin  string
	v2Err  error
)

// binaryV2 is this daemon built again with another version string: the
// "new release" an upgrade installs.
func binaryV2(t *testing.T) string {
	t.Helper()
	v2Once.Do(func() {
		v2Bin = filepath.Join(filepath.Dir(binary), "ptykeeper-v2")
		out, err := exec.Command("go", "build", "-ldflags", "-X github.com/ptykeeper/ptykeeper/ptykeeper/ctl.buildVersion=test-v2", "-o", v2Bin, ".").CombinedOutput()
		if err != nil {
			v2Err = fmt.Errorf("build v2: %v\n%s", err, out)
		}
	})
	if v2Err != nil {
		t.Fatal(v2Err)
	}
	return v2Bin
}

// attach runs `ptykeeper attach NAME` in a real PTY, as the user's
// terminal (one that answers status queries).
func (h *userHome) attach(t *testing.T, name string) *terminal {
	t.Helper()
	return startTerminal(t, h.env, 80, 24, true, "attach", name)
}

type statusJSON struct {
	Name     string
	State    string
	Pid      int
	Restarts int
}

func (h *userHome) statuses(t *testing.T) map[string]statusJSON {
	t.Helper()
	out, code := h.client("status", "--json")
	if code != 0 {
		t.Fatalf("status: %d %s", code, out)
	}
	var list []statusJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("status: %v %s", err, out)
	}
	m := map[string]statusJSON{}
	for _, s := range list {
		m[s.Name] = s
	}
	return m
}

var upgradedLine = regexp.MustCompile(`upgraded: pid (\d+) \(unchanged\), (\d+) sessions? handed over, (\d+) clients? kept, (\d+) SSH clients? asked to reconnect, (\d+) ms`)

// floodLog checks that the log file has every numbered line of the flood
// session exactly once, in order, up to its end marker.
func floodLog(t *testing.T, dir string, last int) {
	t.Helper()
	var text string
	if !testprog.WaitFor(wait, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "flood", "current"))
		return strings.Contains(string(b), "flood-end")
	}) {
		t.Fatal("no flood-end in the log")
	}
	for i := 10; i >= 0; i-- { // rotated files, oldest first, then current
		name := "current"
		if i > 0 {
			name += "." + strconv.Itoa(i)
		}
		b, _ := os.ReadFile(filepath.Join(dir, "flood", name))
		text += string(b)
	}
	next := 1
	for _, l := range strings.Split(text, "\n") {
		_, msg, _ := strings.Cut(l, " ")
		var n int
		if _, err := fmt.Sscanf(msg, "line %d", &n); err != nil {
			continue
		}
		if n != next {
			t.Fatalf("log line %d where %d was due: a line lost or doubled", n, next)
		}
		next++
	}
	if next != last+1 {
		t.Fatalf("log has lines 1..%d, want 1..%d", next-1, last)
	}
}

const floodLines = 300000

func upgradeConfig(t *testing.T, h *userHome, logs string) string {
	cfg := filepath.Join(h.dir, "pk.toml")
	writeConfig(t, cfg, fmt.Sprintf(`log_dir = %q
[session.counter]
command = "sh -c 'i=0; while :; do i=$((i+1)); echo count $i; sleep 0.05; done'"
[session.echo]
command = "sh -c 'stty raw -echo; echo ready; exec cat'"
[session.flood]
command = "sh -c 'sleep 0.5; i=0; while [ $i -lt %d ]; do i=$((i+1)); echo line $i; done; echo flood-end; exec sleep 1000'"
[session.crash]
command = "sh -c 'exit 3'"
startsecs = "0s"
backoff = { floor = "30s", cap = "60s" }
`, logs, floodLines))
	return cfg
}

// The upgrade of issue 12: programs keep running with the same pids, the
// daemon keeps its pid and reports the new version, a local client stays
// attached (its typing during the hand-over arrives once, in order; its
// screen equals a fresh attach's), an SSH client is asked to reconnect,
// the flood's log has every line once, restart counts and a pending
// backoff survive.
func TestUpgradeKeepsEverything(t *testing.T) {
	v2 := binaryV2(t)
	h := newUserHome(t, true)
	logs := filepath.Join(h.dir, "logs")
	d := h.serve(t, "-c", upgradeConfig(t, h, logs))
	if !testprog.WaitFor(wait, func() bool {
		st := h.statuses(t)
		return st["crash"].State == "BACKOFF" && st["flood"].State == "RUNNING" && st["counter"].State == "RUNNING" && st["echo"].State == "RUNNING"
	}) {
		t.Fatalf("sessions not up: %v\n%s", h.statuses(t), d.log)
	}
	before := h.statuses(t)
	local := h.attach(t, "echo")
	local.waitText(t, "ready") // attached: the local terminal is raw now
	typed := make(chan string, 1)
	go func() {
		// Typing before, during and after the hand-over.
		var all strings.Builder
		for i := range 150 {
			tok := fmt.Sprintf("<%d>", i)
			local.pty.Write([]byte(tok))
			all.WriteString(tok)
			time.Sleep(2 * time.Millisecond)
		}
		typed <- all.String()
	}()
	view, _, sshExit := h.ssh(t, []string{"-t"}, "localhost", "attach", "counter")
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(view.Text(), "count") }) {
		t.Fatalf("ssh client not attached:\n%s", view.Text())
	}
	// The flood is on (it starts 0.5 s after its program), the typing too.
	out, code := h.client("upgrade", "--binary", v2)
	m := upgradedLine.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("upgrade: %d %s\n%s", code, out, d.log)
	}
	t.Logf("%s", strings.TrimSpace(out))
	if pid, _ := strconv.Atoi(m[1]); pid != d.cmd.Process.Pid || d.done() {
		t.Fatalf("daemon pid %s, want %d still running", m[1], d.cmd.Process.Pid)
	}
	if m[2] != "4" || m[3] != "1" || m[4] != "1" {
		t.Fatalf("handed over %s sessions, kept %s clients, asked %s SSH clients; want 4, 1, 1", m[2], m[3], m[4])
	}
	if v, _ := h.client("version"); !strings.Contains(v, "daemon: ptykeeper test-v2") {
		t.Fatalf("version after the upgrade: %s", v)
	}
	after := h.statuses(t)
	for _, name := range []string{"counter", "echo", "flood"} {
		if after[name].Pid != before[name].Pid || after[name].State != "RUNNING" {
			t.Fatalf("%s: %+v before, %+v after", name, before[name], after[name])
		}
	}
	if c := after["crash"]; c.State != "BACKOFF" || c.Restarts != before["crash"].Restarts {
		t.Fatalf("crash: %+v before, %+v after: the backoff and its count must survive", before["crash"], c)
	}
	if code := sshExit(); code != upgradeExit || !strings.Contains(view.Text(), "being upgraded; reconnect") {
		t.Fatalf("ssh client: exit %d, screen:\n%s", code, view.Text())
	}
	all := <-typed
	shown := func(c *terminal) string { return strings.Join(strings.Fields(c.view.Text()), "") }
	testprog.WaitFor(wait, func() bool { return strings.HasSuffix(shown(local), all[len(all)-12:]) })
	if got := shown(local); !strings.Contains(got, all) || strings.Count(got, "<1>") != 1 {
		t.Fatalf("typing across the upgrade lost, doubled or reordered:\n got %q\nwant %q", got, all)
	}
	if !local.attached() {
		t.Fatal("the local client was detached by the upgrade")
	}
	fresh := h.attach(t, "echo")
	fresh.waitText(t, "<0>")
	if !testprog.WaitFor(wait, func() bool { return local.view.Same(fresh.view) == "" }) {
		t.Fatalf("the kept client's screen differs from a fresh attach's: %s", local.view.Same(fresh.view))
	}
	floodLog(t, logs, floodLines)
	// The command line and the config stay in force: a reload changes
	// nothing.
	if out, code := h.client("reload"); code != 0 || !strings.Contains(out, "unchanged: counter, crash, echo, flood") {
		t.Fatalf("reload after the upgrade: %d %s", code, out)
	}
	// Still the daemon's children: a stop collects the exit status.
	if out, code := h.client("stop", "counter"); code != 0 {
		t.Fatalf("stop after the upgrade: %s", out)
	}
	if st := h.statuses(t)["counter"]; st.State != "STOPPED" {
		t.Fatalf("counter after stop: %+v", st)
	}
}

// Twenty upgrades in a row during a flood: nothing lost, no fd growth, no
// zombie.
func TestUpgradeTwentyTimes(t *testing.T) {
	v2 := binaryV2(t)
	h := newUserHome(t, true)
	logs := filepath.Join(h.dir, "logs")
	d := h.serve(t, "-c", upgradeConfig(t, h, logs), "--ssh-listen", "off")
	pid := d.cmd.Process.Pid
	if !testprog.WaitFor(wait, func() bool { return h.statuses(t)["flood"].Pid != 0 }) {
		t.Fatal("flood not up")
	}
	fds := func() int { ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); return len(ents) }
	base := fds()
	bins := []string{v2, binary}
	var took []string
	for i := range 20 {
		out, code := h.client("upgrade", "--binary", bins[i%2])
		m := upgradedLine.FindStringSubmatch(out)
		if code != 0 || m == nil {
			t.Fatalf("upgrade %d: %d %s\n%s", i, code, out, d.log)
		}
		took = append(took, m[5])
	}
	t.Logf("programs not drained (ms) in 20 upgrades: %s", strings.Join(took, " "))
	floodLog(t, logs, floodLines)
	if n := fds(); n > base {
		t.Fatalf("fds: %d before, %d after 20 upgrades", base, n)
	}
	if z := zombiesOf(pid); len(z) > 0 {
		t.Fatalf("zombies: %v", z)
	}
}

// A new binary that cannot take over changes nothing: the old daemon goes
// on, and upgrade says why and exits 1.
func TestUpgradeRefused(t *testing.T) {
	h := newUserHome(t, true)
	d := h.serve(t, "--session", "c=sh -c 'echo up; exec sleep 1000'", "--ssh-listen", "off")
	if !testprog.WaitFor(wait, func() bool { return h.statuses(t)["c"].Pid != 0 }) {
		t.Fatal("session not up")
	}
	before := h.statuses(t)["c"]
	dir := t.TempDir()
	exitsAtOnce := filepath.Join(dir, "exits")
	rejects := filepath.Join(dir, "rejects")
	notExe := filepath.Join(dir, "text")
	os.WriteFile(exitsAtOnce, []byte("#!/bin/sh\nexit 0\n"), 0o755)
	os.WriteFile(rejects, []byte("#!/bin/sh\necho 'error: state from the future'\nexit 1\n"), 0o755)
	os.WriteFile(notExe, []byte("not a program\n"), 0o644)
	for bin, want := range map[string]string{exitsAtOnce: "without", rejects: "state from the future", notExe: "permission denied"} {
		out, code := h.client("upgrade", "--binary", bin, "--timeout", "5s")
		if code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "nothing changed") {
			t.Errorf("upgrade to %s: exit %d, %q; want 1 and %q", filepath.Base(bin), code, out, want)
		}
		if st := h.statuses(t)["c"]; st.Pid != before.Pid || (st.State != "RUNNING" && st.State != "STARTING") || d.done() {
			t.Fatalf("after a refused upgrade: %+v", st)
		}
	}
	if !testprog.WaitFor(wait, func() bool { return h.statuses(t)["c"].State == "RUNNING" }) {
		t.Fatalf("the session's startsecs timer did not survive the refused upgrades: %+v", h.statuses(t)["c"])
	}
	if out, code := h.client("snapshot", "c"); code != 0 || !strings.Contains(out, "up") {
		t.Fatalf("daemon not serving after refused upgrades: %d %s", code, out)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
}
