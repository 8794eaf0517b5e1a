package config

import (
	"bytes"
	"fmt"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
)

// fp is a well-formed fingerprint (of no particular key).
const fp = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"

const good = `
log_dir = "/tmp/pklogs"
size_policy = "smallest"

[logs]
max_size = "1MiB"
keep = 3

[session.irc]
command = "irssi -c irc.libera.chat"
env = { HOME = "/home/me", LANG = "en_US.UTF-8" }
size = "120x40"
restart = "on-failure"
exitcodes = [0, 2]
stopsignal = "HUP"
stopwait = "3s"
backoff = { floor = "2s", cap = "30s" }
startretries = -1
umask = "027"

[session.sh]
command = ["bash", "-l"]
autostart = false
`

func TestParseGood(t *testing.T) {
	c, err := Parse("t.toml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if c.SizePolicy != ptykeeper.SizeSmallest || c.LogMaxSize != 1<<20 || c.LogKeep != 3 || c.LogDir != "/tmp/pklogs" {
		t.Fatalf("globals: %+v", c)
	}
	if len(c.Sessions) != 2 {
		t.Fatalf("sessions: %+v", c.Sessions)
	}
	irc := c.Sessions[0]
	want := ptykeeper.Spec{
		Name: "irc", Command: []string{"irssi", "-c", "irc.libera.chat"},
		Env: []string{"HOME=/home/me", "LANG=en_US.UTF-8"}, Term: "xterm-256color",
		Size: ptykeeper.Size{Cols: 120, Rows: 40}, Umask: "027", Autostart: true,
		Restart: ptykeeper.RestartOnFailure, ExitCodes: []int{0, 2}, StartSecs: time.Second,
		BackoffMin: 2 * time.Second, BackoffMax: 30 * time.Second, StartRetries: -1,
		StopSignal: syscall.SIGHUP, StopWait: 3 * time.Second,
	}
	if !reflect.DeepEqual(irc, want) {
		t.Fatalf("irc:\n got %+v\nwant %+v", irc, want)
	}
	if sh := c.Sessions[1]; sh.Autostart || !reflect.DeepEqual(sh.Command, []string{"bash", "-l"}) || sh.Restart != ptykeeper.RestartAlways {
		t.Fatalf("sh: %+v", sh)
	}
}

func TestErrorsNameFileLineKey(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"[session.a]\ncommand = \"x\"\ncolour = \"red\"\n", "t.toml:3: session.a.colour: unknown key"},
		{"[session.a]\ncommand = \"x\"\nrestart = \"sometimes\"\n", "t.toml:3: session.a.restart:"},
		{"[session.a]\ncommand = \"x\"\n\nstopwait = \"10 seconds\"\n", "t.toml:4: session.a.stopwait:"},
		{"[session.a]\ncommand = \"x\"\nsize = \"wide\"\n", "t.toml:3: session.a.size:"},
		{"[session.a]\ncommand = \"x\"\nstopsignal = \"BOOM\"\n", "t.toml:3: session.a.stopsignal: unknown signal"},
		{"[session.a]\ncommand = 5\n", "t.toml:2: session.a.command:"},
		{"[session.a]\nstartretries = \"3\"\ncommand = \"x\"\n", "t.toml:2"},
		{"[session.a]\ncommand = \"x\"\nbackoff = { floor = \"10ms\" }\n", "t.toml:3: session.a.backoff.floor: below 1s"},
		{"[session.\"a b\"]\ncommand = \"x\"\n", "t.toml:1: session.a b"},
		{"[session.a]\n", "t.toml:1: session.a.command: missing"},
		{"[session.a\ncommand = \"x\"\n", "t.toml:2"},
		{"socket = \"/x\"\nfoo = 1\n", "t.toml:2: foo: unknown key"},
		// Values that used to be replaced silently by a default, or misread.
		{"[session.a]\ncommand = \"x\"\nstopwait = \"0s\"\n", "t.toml:3: session.a.stopwait: must be more than 0"},
		{"[session.a]\ncommand = \"x\"\numask = 22\n", "t.toml:3: session.a.umask: write it as an octal string"},
		{"[session.a]\ncommand = \"x\"\numask = \"999\"\n", "t.toml:3: session.a.umask:"},
		{"[session.a]\ncommand = \"x\"\nbackoff = { floor = \"0s\" }\n", "t.toml:3: session.a.backoff.floor: below 1s"},
		{"[session.a]\ncommand = \"x\"\nbackoff = { floor = \"5s\", cap = \"2s\" }\n", "t.toml:3: session.a.backoff.cap: 2s is below the floor"},
		{"detach_key = \"\"\n", "t.toml:1: detach_key:"},
		{"detach_key = \"^@\"\n", "t.toml:1: detach_key:"},
		// The [ssh] table.
		{"[ssh]\nlisten = \"2222\"\n", "t.toml:2: ssh.listen: \"2222\": want HOST:PORT"},
		{"[ssh]\nlisten = 2222\n", "t.toml:2: ssh.listen: want"},
		{"[ssh]\nnew_sessions_user = \"root\"\n", "t.toml:2: ssh.new_sessions_user: must not be root"},
		{"[ssh]\n\n[[ssh.grant]]\nkey = \"SHA256:nope\"\nallow = [\"kill\"]\n", "t.toml:4: ssh.grant[0].key: \"SHA256:nope\" is not a SHA256 fingerprint"},
		{"[[ssh.grant]]\nkey = \"" + fp + "\"\nallow = [\"kill\"]\n[[ssh.grant]]\nkey = \"" + fp + "\"\n\nallow = [\"kil\"]\n", "t.toml:7: ssh.grant[1].allow: unknown right \"kil\" (rights: use, start, stop"},
		{"[[ssh.grant]]\nkey = \"" + fp + "\"\n", "t.toml:1: ssh.grant[0].allow: missing"},
		{"[[ssh.grant]]\nkey = \"" + fp + "\"\nallow = [\"kill\"]\nsessions = [\"x\"]\n", "t.toml:4: ssh.grant.sessions: unknown key"},
	} {
		_, err := Parse("t.toml", []byte(tc.text))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("config %q:\n got %v\nwant prefix %q", tc.text, err, tc.want)
		}
	}
}

// The config without a file: SSH on loopback only (and not required), the
// detach key Ctrl-\\ (never NUL), sessions restarted always.
func TestDefault(t *testing.T) {
	t.Setenv(EnvTestSSHPort, "")
	c := Default()
	if b, ok := c.DetachKey.Byte(); !ok || b != 0x1c || c.DetachKey.String() != `^\` {
		t.Errorf("detach key %v", c.DetachKey)
	}
	if !reflect.DeepEqual(c.SSH.Listen, []string{"127.0.0.1:2222", "[::1]:2222"}) || c.SSH.ListenGiven {
		t.Errorf("ssh listen %v given=%v", c.SSH.Listen, c.SSH.ListenGiven)
	}
	if c.SSH.HostKey != c.StateDir+"/ssh_host_ed25519_key" || c.Socket == "" || c.LogKeep != 10 || c.LogMaxSize != 10<<20 {
		t.Errorf("%+v", c)
	}
	// A file that sets nothing is the defaults.
	f, err := Parse("t.toml", []byte("# nothing\n"))
	if err != nil {
		t.Fatal(err)
	}
	f.Path = ""
	if !reflect.DeepEqual(f, c) {
		t.Errorf("empty file:\n got %+v\nwant %+v", f, c)
	}
	sp := ptykeeper.NewSpec("x", []string{"x"})
	if sp.Restart != ptykeeper.RestartAlways || !sp.Autostart || sp.StartSecs != time.Second || sp.StartRetries != 3 || sp.StopWait != 10*time.Second {
		t.Errorf("NewSpec %+v", sp)
	}
}

const sshConf = `
[ssh]
listen = ["0.0.0.0:2200", "[::]:2200"]
authorized_keys = "/etc/ptykeeper/authorized_keys"
new_sessions_user = "nobody"

[[ssh.grant]]
key = "` + fp + `"
allow = ["control", "send"]

[[ssh.grant]]
key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGBOuN7DkG2iKZ1hS9MDr1M1Xq7bOvR8n8T2kL6VqGQm ca@example"
principal = "alice"
allow = ["admin"]
`

func TestSSHTable(t *testing.T) {
	c, err := Parse("t.toml", []byte(sshConf))
	if err != nil {
		t.Fatal(err)
	}
	s := c.SSH
	if !s.ListenGiven || !reflect.DeepEqual(s.Listen, []string{"0.0.0.0:2200", "[::]:2200"}) || s.NewSessionsUser != "nobody" || s.AuthorizedKeys != "/etc/ptykeeper/authorized_keys" {
		t.Fatalf("%+v", s)
	}
	if len(s.Grants) != 2 || s.Grants[0] != (Grant{Key: fp, Allow: ctl.Control | ctl.Send}) {
		t.Fatalf("grants %+v", s.Grants)
	}
	if g := s.Grants[1]; !strings.HasPrefix(g.Key, "SHA256:") || g.Principal != "alice" || g.Allow != ctl.Admin {
		t.Fatalf("grant from a public key line: %+v", g)
	}
	off, err := Parse("t.toml", []byte("[ssh]\nlisten = \"off\"\n"))
	if err != nil || len(off.SSH.Listen) != 0 || !off.SSH.ListenGiven {
		t.Fatalf("off: %+v %v", off, err)
	}
}

// check --effective: every default written out, read back to the same
// config.
func TestEffectiveRoundTrip(t *testing.T) {
	for _, text := range []string{good, sshConf, "", "[ssh]\nlisten = \"off\"\n", "[session.\"a.b\"]\ncommand = [\"sh\", \"-c\", \"echo \\\"hi\\\" \\\\ there\"]\nenv = { \"X Y\" = \"tab\\there\" }\n"} {
		c, err := Parse("t.toml", []byte(text))
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		var out bytes.Buffer
		if err := c.WriteTOML(&out); err != nil {
			t.Fatal(err)
		}
		back, err := Parse("effective.toml", out.Bytes())
		if err != nil {
			t.Fatalf("effective config does not parse: %v\n%s", err, out.String())
		}
		back.Path = c.Path
		if !reflect.DeepEqual(back, c) {
			t.Errorf("round trip of %q:\n got %#v\nwant %#v\n%s", text, back, c, out.String())
		}
		for _, want := range []string{"restart = ", "stopwait = ", "detach_key = "} {
			if len(c.Sessions) > 0 && !strings.Contains(out.String(), want) {
				t.Errorf("effective config lacks %q", want)
			}
		}
	}
}

// The README's tables state the defaults that Default and NewSpec have.
func TestReadmeStatesTheDefaults(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	sp := ptykeeper.NewSpec("x", []string{"x"})
	for key, want := range map[string]string{
		"restart":      string(sp.Restart),
		"startsecs":    `"` + sp.StartSecs.String() + `"`,
		"startretries": fmt.Sprint(sp.StartRetries),
		"stopwait":     `"` + sp.StopWait.String() + `"`,
		"term":         sp.Term,
		"size":         sp.Size.String(),
		"autostart":    fmt.Sprint(sp.Autostart),
		"ssh.listen":   "127.0.0.1:2222",
	} {
		row := "| `" + key + "` | "
		i := bytes.Index(b, []byte(row))
		if i < 0 {
			t.Errorf("README has no row for %s", key)
			continue
		}
		cell, _, _ := strings.Cut(string(b[i+len(row):]), " |")
		if !strings.Contains(cell, want) {
			t.Errorf("README: %s default %q, the code says %s", key, cell, want)
		}
	}
}
