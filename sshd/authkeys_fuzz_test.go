package sshd

import (
	"bytes"
	"net"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// FuzzAuthorizedKeys feeds arbitrary files to the parser. It must never
// panic, and it must fail closed: every line it accepts carries only
// options it enforces (or that change nothing here), each at most once.
func FuzzAuthorizedKeys(f *testing.F) {
	key := "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGBOuN7DkG2iKZ1hS9MDr1M1Xq7bOvR8n8T2kL6VqGQm"
	for _, seed := range []string{
		key + " me@laptop",
		`command="attach irc",restrict,pty ` + key,
		`from="10.0.0.0/8,!10.1.*",expiry-time="20301231" ` + key,
		`cert-authority,principals="alice,bob" ` + key + " ca",
		`verify-required ` + key,
		`command="a",command="b" ` + key,
		`no-touch-required,no-port-forwarding,permitopen="host:1" ` + key,
		`COMMAND="x\"y" ` + key + "\n# comment\n\n" + key,
		"garbage line\n" + key,
	} {
		f.Add([]byte(seed))
	}
	supported := map[string]bool{"from": true, "command": true, "restrict": true, "no-pty": true, "pty": true,
		"expiry-time": true, "cert-authority": true, "principals": true}
	for o := range acceptedOptions {
		supported[o] = true
	}
	ip := net.ParseIP("192.0.2.7")
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := bytes.Split(data, []byte("\n"))
		entries := parseAuthorizedKeys(data, "fuzz", nil)
		for _, e := range entries {
			if e.line < 1 || e.line > len(lines) || e.key == nil || !bytes.Equal(e.wire, e.key.Marshal()) {
				t.Fatalf("bad entry %+v", e)
			}
			_, _, opts, _, err := gossh.ParseAuthorizedKey(bytes.TrimSpace(lines[e.line-1]))
			if err != nil {
				t.Fatalf("line %d accepted but does not parse: %v", e.line, err)
			}
			seen := map[string]int{}
			for _, o := range opts {
				name, _, _ := strings.Cut(o, "=")
				name = strings.ToLower(name)
				if !supported[name] {
					t.Fatalf("line %d accepted with option %q", e.line, name)
				}
				if seen[name]++; seen[name] > 1 && (name == "command" || name == "from" || name == "principals" || name == "expiry-time") {
					t.Fatalf("line %d accepted with %s twice", e.line, name)
				}
			}
			e.refuse(ip) // must not panic on any pattern
		}
	})
}
