package config

import (
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
)

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
	} {
		_, err := Parse("t.toml", []byte(tc.text))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("config %q:\n got %v\nwant prefix %q", tc.text, err, tc.want)
		}
	}
}
