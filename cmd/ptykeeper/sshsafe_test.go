package main

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/ptykeeper/ptykeeper/ptykeeper/config"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

// userHome is a new user's machine as the README's first command meets it:
// a home with an SSH key pair, XDG folders inside it, no config file.
type userHome struct {
	dir, key, port string
	env            []string
}

func newUserHome(t *testing.T, authorizedKeys bool) *userHome {
	t.Helper()
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("no ssh-keygen (apt-get install openssh-client)")
	}
	dir := t.TempDir()
	ssh := filepath.Join(dir, ".ssh")
	run := filepath.Join(dir, "run")
	for _, d := range []string{ssh, run} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	key := filepath.Join(ssh, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v %s", err, out)
	}
	if authorizedKeys {
		pub, _ := os.ReadFile(key + ".pub")
		os.WriteFile(filepath.Join(ssh, "authorized_keys"), pub, 0o600)
	}
	h := &userHome{dir: dir, key: key, port: freePort(t)}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "HOME" && k != envSocket && !strings.HasPrefix(k, "XDG_") {
			h.env = append(h.env, kv)
		}
	}
	h.env = append(h.env, "HOME="+dir, "XDG_RUNTIME_DIR="+run, "XDG_CONFIG_HOME="+filepath.Join(dir, "cfg"), "XDG_STATE_HOME="+filepath.Join(dir, "state"),
		// The default addresses, on a free port: tests run side by side.
		config.EnvTestSSHPort+"="+h.port)
	return h
}

// served is a daemon run by serve.
type served struct {
	cmd    *exec.Cmd
	log    *lockedBuffer
	exited chan struct{} // closed when it exited; then code is set
	code   int
}

// serve runs `ptykeeper [--socket S] serve ARGS` as this user; it returns
// once the daemon serves or exited.
func (h *userHome) serve(t *testing.T, args ...string) *served {
	t.Helper()
	d := &served{log: &lockedBuffer{b: &bytes.Buffer{}}, exited: make(chan struct{})}
	t.Cleanup(func() { d.stop() })
	argv := []string{"serve"}
	if len(args) > 1 && args[0] == "--socket" {
		argv, args = []string{args[0], args[1], "serve"}, args[2:]
	}
	d.cmd = exec.Command(binary, append(argv, args...)...)
	d.cmd.Env, d.cmd.Stderr = h.env, d.log
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		d.cmd.Wait()
		d.code = d.cmd.ProcessState.ExitCode()
		close(d.exited)
	}()
	testprog.WaitFor(wait, func() bool { return strings.Contains(d.log.String(), `msg=serving`) || d.done() })
	return d
}

// stop sends SIGTERM and returns the exit status.
func (d *served) stop() int {
	if d.cmd == nil || d.cmd.Process == nil {
		return -1
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(wait):
		d.cmd.Process.Kill()
		<-d.exited
	}
	return d.code
}

func (d *served) done() bool {
	select {
	case <-d.exited:
		return true
	default:
		return false
	}
}

// client runs a ptykeeper client command as this user.
func (h *userHome) client(args ...string) (string, int) {
	cmd := exec.Command(binary, args...)
	cmd.Env = h.env
	out, _ := cmd.CombinedOutput()
	return string(out), cmd.ProcessState.ExitCode()
}

// ssh runs the OpenSSH client in a PTY (as a user's terminal): ssh OPTS
// HOST COMMAND...; it returns what its terminal shows, the PTY, and a
// function waiting for its exit status.
func (h *userHome) ssh(t *testing.T, opts []string, host string, command ...string) (*testprog.Term, *os.File, func() int) {
	t.Helper()
	if _, err := exec.LookPath("ssh"); err != nil {
		t.Skip("no OpenSSH client (apt-get install openssh-client)")
	}
	full := append([]string{"-p", h.port, "-i", h.key, "-F", "/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + filepath.Join(h.dir, "known_hosts"), "-o", "StrictHostKeyChecking=accept-new",
		"-o", "BatchMode=yes", "-o", "LogLevel=ERROR"}, opts...)
	full = append(append(full, host), command...)
	cmd := exec.Command("ssh", full...)
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
	exited := make(chan int, 1)
	go func() { cmd.Wait(); exited <- cmd.ProcessState.ExitCode() }()
	code := -1
	done := false
	waitExit := func() int {
		if !done {
			select {
			case code = <-exited:
			case <-time.After(wait):
				cmd.Process.Kill()
				code = <-exited
			}
			done = true
		}
		return code
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		waitExit()
		ptmx.Close()
		<-readerDone
		view.Close()
	})
	return view, ptmx, waitExit
}

var sshListening = regexp.MustCompile(`msg="ssh listening" addr=(\S+) loopback_only=(\S+)`)

// The README's first command, the way most users meet it: a key in
// ~/.ssh/authorized_keys, no config. SSH answers on loopback only (the log
// says where), and `ssh -t -p PORT localhost attach demo` shows the demo.
func TestQuickStartWithAuthorizedKeys(t *testing.T) {
	h := newUserHome(t, true)
	d := h.serve(t, "--demo")
	log := d.log
	if !testprog.WaitFor(wait, func() bool { return sshListening.MatchString(log.String()) }) {
		t.Fatalf("no \"ssh listening\" line (exited: %v):\n%s", d.done(), log)
	}
	m := sshListening.FindStringSubmatch(log.String())
	if want := "127.0.0.1:" + h.port + ",[::1]:" + h.port; m[1] != want || m[2] != "true" {
		t.Fatalf("ssh listens on %s (loopback only: %s), want %s", m[1], m[2], want)
	}
	if out, code := h.client("ls"); code != 0 || !strings.Contains(out, "demo") {
		t.Fatalf("ls: %d %s", code, out)
	}
	view, ptmx, exit := h.ssh(t, []string{"-t"}, "localhost", "attach", "demo")
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(view.Text(), "ptykeeper demo") }) {
		t.Fatalf("ssh never showed the demo:\n%s\ndaemon log:\n%s", view.Text(), log)
	}
	ptmx.Write([]byte{0x1c}) // Ctrl-\: the default detach key
	if code := exit(); code != 0 {
		t.Fatalf("ssh exited %d after detach:\n%s", code, view.Text())
	}
	// Not on the network: the machine's own non-loopback address refuses.
	if ip := nonLoopbackIP(); ip != "" {
		if c, err := net.DialTimeout("tcp", net.JoinHostPort(ip, h.port), time.Second); err == nil {
			c.Close()
			t.Fatalf("SSH answers on %s", ip)
		}
	}
}

func nonLoopbackIP() string {
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP.String()
		}
	}
	return ""
}

// Without authorized_keys the demo runs all the same, and the log says why
// SSH did not start.
func TestQuickStartWithoutAuthorizedKeys(t *testing.T) {
	h := newUserHome(t, false)
	log := h.serve(t, "--demo").log
	if out, code := h.client("ls"); code != 0 || !strings.Contains(out, "demo") {
		t.Fatalf("ls: %d %s\n%s", code, out, log)
	}
	if !strings.Contains(log.String(), "SSH not started") || !strings.Contains(log.String(), filepath.Join(h.dir, ".ssh", "authorized_keys")) {
		t.Fatalf("log does not say why SSH is off:\n%s", log)
	}
}

// A key file others can write is refused with its path and mode: the
// daemon warns and runs without SSH by default, and does not start when
// SSH was asked for.
func TestAuthorizedKeysRefusedDefaultVsExplicit(t *testing.T) {
	h := newUserHome(t, true)
	ak := filepath.Join(h.dir, ".ssh", "authorized_keys")
	os.Chmod(ak, 0o666)
	log := h.serve(t, "--demo").log
	if out, code := h.client("ls"); code != 0 || !strings.Contains(out, "demo") {
		t.Fatalf("ls: %d %s\n%s", code, out, log)
	}
	want := "authorized_keys refused: " + ak + " (mode -rw-rw-rw-)"
	if !strings.Contains(log.String(), want) || sshListening.MatchString(log.String()) {
		t.Fatalf("log lacks %q, or SSH listens:\n%s", want, log)
	}
	d := h.serve(t, "--socket", filepath.Join(h.dir, "run", "other.sock"), "--demo", "--ssh-listen", "127.0.0.1:"+freePort(t))
	if !testprog.WaitFor(wait, d.done) || d.code != 1 || !strings.Contains(d.log.String(), "ptykeeper serve: SSH not started: "+want) {
		t.Fatalf("explicit listen with a refused key file: exited %v, code %d\n%s", d.done(), d.code, d.log)
	}
}

// Over SSH a plain key may attach but not kill, send, stop or reload; the
// refusal names the setting that grants it; granted in the config and
// reloaded, it works. Forwarding of every kind is refused.
func TestSSHRightsWithOpenSSH(t *testing.T) {
	h := newUserHome(t, true)
	cfgDir := filepath.Join(h.dir, "cfg", "ptykeeper")
	os.MkdirAll(cfgDir, 0o700)
	cfg := filepath.Join(cfgDir, "ptykeeper.toml")
	base := "[ssh]\nlisten = \"127.0.0.1:" + h.port + "\"\n"
	writeConfig(t, cfg, base)
	log := h.serve(t, "--demo").log
	if !testprog.WaitFor(wait, func() bool { return sshListening.MatchString(log.String()) }) {
		t.Fatalf("ssh not listening:\n%s", log)
	}
	pub, _ := os.ReadFile(h.key + ".pub")
	for _, command := range []string{"kill demo", "send demo x", "stop demo", "reload", "new x -- sh"} {
		view, _, exit := h.ssh(t, nil, "127.0.0.1", strings.Fields(command)...)
		verb := strings.Fields(command)[0]
		refused := func() bool {
			text := strings.Join(strings.Fields(view.Text()), " ")
			return strings.Contains(text, "refused: this key SHA256:") && strings.Contains(text, `allow = ["`+verb+`"]`)
		}
		if code := exit(); code != 1 || !testprog.WaitFor(wait, refused) {
			t.Errorf("ssh %s by a plain key: exit %d\n%s", command, code, view.Text())
		}
	}
	if out, _ := h.client("status", "demo"); !strings.Contains(out, "RUNNING") && !strings.Contains(out, "STARTING") {
		t.Fatalf("refused commands changed the demo: %s", out)
	}
	// Forwarding: stdio (-W), remote (-R): ssh gives up with 255.
	for _, args := range [][]string{{"-W", "127.0.0.1:" + h.port}, {"-N", "-o", "ExitOnForwardFailure=yes", "-R", "0:127.0.0.1:1"}} {
		_, _, exit := h.ssh(t, args, "127.0.0.1")
		if code := exit(); code != 255 {
			t.Errorf("ssh %v: exit %d, want 255 (refused)", args, code)
		}
	}
	// Grant kill to this key by its public key line, reload, and it works.
	writeConfig(t, cfg, base+"\n[[ssh.grant]]\nkey = \""+strings.TrimSpace(string(pub))+"\"\nallow = [\"kill\"]\n")
	if out, code := h.client("reload"); code != 0 {
		t.Fatalf("reload: %d %s", code, out)
	}
	_, _, exit := h.ssh(t, nil, "127.0.0.1", "kill", "demo")
	if code := exit(); code != 0 {
		t.Fatalf("granted kill: exit %d\n%s", code, log)
	}
	if out, _ := h.client("ls"); strings.Contains(out, "demo") {
		t.Fatalf("granted kill left the demo: %s", out)
	}
}

// The CLI finds the daemon through the config file's socket, as the daemon
// did; check --effective prints what will run, as a file that reads back.
func TestConfigSocketAndEffective(t *testing.T) {
	h := newUserHome(t, false)
	cfgDir := filepath.Join(h.dir, "cfg", "ptykeeper")
	os.MkdirAll(cfgDir, 0o700)
	sock := filepath.Join(h.dir, "run", "custom", "pk.sock")
	writeConfig(t, filepath.Join(cfgDir, "ptykeeper.toml"), "socket = \""+sock+"\"\n[ssh]\nlisten = \"off\"\n[session.sh]\ncommand = \"sleep 600\"\n")
	log := h.serve(t).log
	if !testprog.WaitFor(wait, func() bool { _, err := os.Stat(sock); return err == nil }) {
		t.Fatalf("daemon did not listen on the config's socket:\n%s", log)
	}
	if out, code := h.client("ls"); code != 0 || !strings.Contains(out, "sh ") {
		t.Fatalf("ls through the config's socket: %d %s", code, out)
	}
	out, code := h.client("check", "--effective")
	if code != 0 || !strings.Contains(out, `socket = "`+sock+`"`) || !strings.Contains(out, `restart = "always"`) || !strings.Contains(out, `stopwait = "10s"`) || !strings.Contains(out, `listen = "off"`) {
		t.Fatalf("check --effective: %d\n%s", code, out)
	}
	eff := filepath.Join(h.dir, "effective.toml")
	os.WriteFile(eff, []byte(out), 0o600)
	if again, code := h.client("check", "--effective", "-c", eff); code != 0 || strings.SplitN(again, "\n", 2)[1] != strings.SplitN(out, "\n", 2)[1] {
		t.Fatalf("effective config does not read back the same: %d\n%s\n---\n%s", code, out, again)
	}
	// Without a file: the defaults of serve, SSH on loopback (commented:
	// written out, it would make SSH required).
	os.Remove(filepath.Join(cfgDir, "ptykeeper.toml"))
	out, _ = h.client("check", "--effective")
	if !strings.Contains(out, `# listen = ["127.0.0.1:`+h.port+`", "[::1]:`+h.port+`"]`) || !strings.Contains(out, `detach_key = "^\\"`) {
		t.Fatalf("check --effective without a file:\n%s", out)
	}
}

// The second command: no config, SSH asked for, a program named on
// the command line. It used to exit with `detach key ""`.
func TestServeSessionWithSSHListenNoConfig(t *testing.T) {
	h := newUserHome(t, true)
	port := freePort(t)
	d := h.serve(t, "--ssh-listen", "127.0.0.1:"+port, "--session", "x=sleep 600")
	if !testprog.WaitFor(wait, func() bool { return sshListening.MatchString(d.log.String()) }) {
		t.Fatalf("ssh not listening (exited %v):\n%s", d.done(), d.log)
	}
	if m := sshListening.FindStringSubmatch(d.log.String()); m[1] != "127.0.0.1:"+port {
		t.Fatalf("listening on %s", m[1])
	}
	if out, code := h.client("status", "x"); code != 0 || !strings.Contains(out, "x ") {
		t.Fatalf("status: %d %s", code, out)
	}
}
