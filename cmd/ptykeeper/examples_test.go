package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper/config"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

const examples = "../../examples"

func TestExampleConfig(t *testing.T) {
	cfg, err := config.Load(filepath.Join(examples, "ptykeeper.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sessions) != 2 || cfg.Sessions[0].Name != "earthquake" || cfg.Sessions[1].Name != "shell" {
		t.Fatalf("sessions %+v", cfg.Sessions)
	}
	if !slices.Equal(cfg.SSH.Listen, []string{":2222"}) || !cfg.SSH.ListenGiven || cfg.DetachKey != ctl.DefaultDetachKey || cfg.LogKeep != 10 || cfg.SSH.AuthorizedKeys != "/etc/ptykeeper/authorized_keys" {
		t.Fatalf("globals %+v", cfg)
	}
	out, err := exec.Command(binary, "check", "-c", filepath.Join(examples, "ptykeeper.toml")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "ok, 2 sessions") {
		t.Fatalf("check: %v %s", err, out)
	}
}

// unitKeys reads an INI-like file (systemd units, supervisord) into
// section → key → value, failing on lines that are neither.
func unitKeys(t *testing.T, path string, comment string) map[string]map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.ContainsAny(line[:1], comment):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string]string{}
		case strings.Contains(line, "=") && section != "":
			k, v, _ := strings.Cut(line, "=")
			out[section][strings.TrimSpace(k)] = strings.TrimSpace(v)
		default:
			t.Fatalf("%s:%d: not a key=value line: %q", path, n, line)
		}
	}
	return out
}

func TestExampleSystemdUnits(t *testing.T) {
	for _, name := range []string{"ptykeeper.service", "ptykeeper-user.service"} {
		path := filepath.Join(examples, "systemd", name)
		u := unitKeys(t, path, "#;")
		svc := u["Service"]
		if svc["Type"] != "notify" || svc["Restart"] != "on-failure" || !strings.Contains(svc["ExecStart"], "ptykeeper") || !strings.Contains(svc["ExecStart"], "serve") || svc["ExecReload"] != "/bin/kill -HUP $MAINPID" {
			t.Errorf("%s: [Service] %v", name, svc)
		}
		if name == "ptykeeper.service" {
			for _, k := range []string{"RuntimeDirectory", "StateDirectory", "LogsDirectory", "NoNewPrivileges", "ProtectSystem"} {
				if svc[k] == "" {
					t.Errorf("%s lacks %s", name, k)
				}
			}
		}
		if _, err := exec.LookPath("systemd-analyze"); err != nil {
			continue
		}
		// verify checks that ExecStart's binary exists: point it at ours.
		text, _ := os.ReadFile(path)
		fixed := regexp.MustCompile(`ExecStart=\S+`).ReplaceAllString(string(text), "ExecStart="+binary)
		tmp := filepath.Join(t.TempDir(), name)
		os.WriteFile(tmp, []byte(fixed), 0o644)
		cmd := exec.Command("systemd-analyze", "verify", tmp)
		if name == "ptykeeper-user.service" {
			cmd = exec.Command("systemd-analyze", "--user", "verify", tmp)
		}
		out, err := cmd.CombinedOutput()
		if err != nil && !strings.Contains(string(out), "Failed to") {
			t.Errorf("systemd-analyze verify %s: %v\n%s", name, err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, name) && (strings.Contains(l, "Unknown") || strings.Contains(l, "Invalid") || strings.Contains(l, "Missing")) {
				t.Errorf("systemd-analyze verify %s: %s", name, l)
			}
		}
	}
}

func TestExampleUpstart(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(examples, "upstart", "ptykeeper.conf"))
	if err != nil {
		t.Fatal(err)
	}
	stanzas := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			stanzas[f[0]] = true
			switch f[0] {
			case "description", "start", "stop", "respawn", "console", "kill", "env", "pre-start", "exec":
			default:
				t.Errorf("unknown upstart stanza %q", f[0])
			}
		}
	}
	if !stanzas["respawn"] || !stanzas["exec"] || stanzas["expect"] || !strings.Contains(string(b), "console none") {
		t.Errorf("upstart job: %v", stanzas)
	}
}

// The daemontools run script is run for real (with paths pointed at a test
// daemon): it must exec the daemon in the foreground.
func TestExampleDaemontoolsRun(t *testing.T) {
	for _, f := range []string{"run", "log/run"} {
		if out, err := exec.Command("sh", "-n", filepath.Join(examples, "daemontools", f)).CombinedOutput(); err != nil {
			t.Fatalf("sh -n %s: %v %s", f, err, out)
		}
	}
	dir, _ := os.MkdirTemp("", "pk")
	defer os.RemoveAll(dir)
	cfg := filepath.Join(dir, "pk.toml")
	writeConfig(t, cfg, "state_dir = \""+dir+"\"\n[ssh]\nlisten = \"off\"\n[session.sh]\ncommand = \"sleep 600\"\n")
	sock := filepath.Join(dir, "s.sock")
	b, _ := os.ReadFile(filepath.Join(examples, "daemontools", "run"))
	script := strings.NewReplacer("/usr/local/bin/ptykeeper", binary, "/run/ptykeeper/ptykeeper.sock", sock, "/etc/ptykeeper/ptykeeper.toml", cfg).Replace(string(b))
	run := filepath.Join(dir, "run")
	os.WriteFile(run, []byte(script), 0o755)
	cmd := exec.Command(run)
	out := lockedBuffer{b: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !testprog.WaitFor(wait, func() bool { _, err := os.Stat(sock); return err == nil }) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("run script did not start the daemon: %s", out.String())
	}
	cmd.Process.Signal(syscall.SIGTERM) // the shell exec'd the daemon: it gets the signal
	if err := cmd.Wait(); err != nil {
		t.Fatalf("daemon under run: %v\n%s", err, out.String())
	}
}

func TestExampleSupervisord(t *testing.T) {
	u := unitKeys(t, filepath.Join(examples, "supervisord", "ptykeeper.conf"), ";#")
	p := u["program:ptykeeper"]
	if p == nil || !strings.Contains(p["command"], "ptykeeper") || !strings.Contains(p["command"], "serve") || p["autorestart"] != "true" || p["stopsignal"] != "TERM" {
		t.Fatalf("supervisord program: %v", p)
	}
}

// The shell functions: ptk_loop reconnects after ssh exits 255 and stops
// on a detach (0) or the program's own status.
func TestExampleShellFunctions(t *testing.T) {
	script := filepath.Join(examples, "shell", "ptykeeper.sh")
	for _, sh := range []string{"bash", "zsh"} {
		if _, err := exec.LookPath(sh); err != nil {
			continue
		}
		if out, err := exec.Command(sh, "-n", script).CombinedOutput(); err != nil {
			t.Fatalf("%s -n: %v %s", sh, err, out)
		}
	}
	dir := t.TempDir()
	// A fake ssh: records its arguments, exits with the next code in line.
	fake := "#!/bin/sh\necho \"$*\" >> " + dir + "/calls\nn=$(wc -l < " + dir + "/calls)\nset -- 255 255 0\nshift $((n-1))\nexit $1\n"
	os.WriteFile(filepath.Join(dir, "ssh"), []byte(fake), 0o755)
	cmd := exec.Command("bash", "-c", ". "+script+"; earthquake")
	cmd.Env = append(os.Environ(), "PATH="+dir+":"+os.Getenv("PATH"), "PTYKEEPER_HOST=box", "PTYKEEPER_RETRY=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("earthquake: %v %s", err, out)
	}
	calls, _ := os.ReadFile(filepath.Join(dir, "calls"))
	if n := strings.Count(string(calls), "\n"); n != 3 || !strings.Contains(string(calls), "-t -p 2222 -o ServerAliveInterval=15 box attach earthquake") {
		t.Fatalf("ssh calls (%d): %s", n, calls)
	}
}

func TestSSHConfigAcceptedBySSH(t *testing.T) {
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no ssh")
	}
	out, err := exec.Command(binary, "ssh-config", "earthquake", "--host", "box.example.com", "--port", "2200").Output()
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(t.TempDir(), "config")
	os.WriteFile(cfg, out, 0o600)
	g, err := exec.Command("ssh", "-G", "-F", cfg, "earthquake").Output()
	if err != nil {
		t.Fatalf("ssh -G: %v", err)
	}
	for _, want := range []string{"hostname box.example.com", "port 2200", "requesttty true", "remotecommand attach earthquake", "serveraliveinterval 15"} {
		if !strings.Contains(string(g), want+"\n") {
			t.Errorf("ssh -G lacks %q", want)
		}
	}
}

// The README opens with the two commands a newcomer types; they must be the
// ones the tests exercise (TestQuickStartDemo runs the first).
func TestReadmeQuickStart(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	first := string(b)[:min(len(b), 1500)]
	for _, want := range []string{"go run ./cmd/ptykeeper serve --demo", "go test -race ./...", "attach demo"} {
		if !strings.Contains(first, want) {
			t.Errorf("README does not open with %q", want)
		}
	}
	ci, _ := os.ReadFile("../../.ci/run")
	if !strings.Contains(string(ci), "go test -race -count=1 ./...") {
		t.Error(".ci/run does not run the README's test command")
	}
}
