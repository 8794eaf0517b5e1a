// ssh.go reads the [ssh] table: where SSH listens, which keys may log in,
// and what each key may do beyond the default (attach, ls, status, logs,
// snapshot, help, version) through [[ssh.grant]] entries.

package config

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"os/user"
	"strings"

	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	gossh "golang.org/x/crypto/ssh"
)

// SSH is the [ssh] table.
type SSH struct {
	// Listen is where SSH listens; empty: SSH is off. Default: loopback.
	Listen []string
	// ListenGiven is true when Listen was written in the file (or given
	// with --ssh-listen): then SSH failing to start stops the daemon,
	// where the default only warns.
	ListenGiven    bool
	AuthorizedKeys string
	HostKey        string
	// NewSessionsUser is the user programs started with `new` over SSH run
	// as; "" refuses `new` over SSH. Never root.
	NewSessionsUser string
	Grants          []Grant
}

// Grant gives a key rights beyond ctl.Use.
type Grant struct {
	// Key is the SHA256 fingerprint of a key ("SHA256:..."), or of the
	// certificate authority whose certificates the grant is for.
	Key string
	// Principal narrows a grant for a certificate authority to
	// certificates naming this principal; "" for any.
	Principal string
	Allow     ctl.Rights
}

type sshT struct {
	Listen          any      `toml:"listen"`
	AuthorizedKeys  string   `toml:"authorized_keys"`
	HostKey         string   `toml:"host_key"`
	NewSessionsUser string   `toml:"new_sessions_user"`
	Grant           []grantT `toml:"grant"`
}

type grantT struct {
	Key       string   `toml:"key"`
	Principal string   `toml:"principal"`
	Allow     []string `toml:"allow"`
}

func (t *sshT) apply(s *SSH, stateDir string, lines locator, path string, bad badFunc) error {
	if t.Listen != nil {
		l, err := parseListen(t.Listen)
		if err != nil {
			return bad([]string{"ssh", "listen"}, "%v", err)
		}
		s.Listen, s.ListenGiven = l, true
	}
	if t.AuthorizedKeys != "" {
		s.AuthorizedKeys = expandHome(t.AuthorizedKeys)
	}
	if t.HostKey != "" {
		s.HostKey = expandHome(t.HostKey)
	}
	if t.NewSessionsUser != "" {
		if err := checkNewSessionsUser(t.NewSessionsUser); err != nil {
			return bad([]string{"ssh", "new_sessions_user"}, "%v", err)
		}
		s.NewSessionsUser = t.NewSessionsUser
	}
	for i, g := range t.Grant {
		at := func(field, format string, args ...any) error {
			return &Error{File: path, Line: lines.findArray([]string{"ssh", "grant"}, i, field), Key: fmt.Sprintf("ssh.grant[%d].%s", i, field), Msg: fmt.Sprintf(format, args...)}
		}
		gr, err := g.grant(at)
		if err != nil {
			return err
		}
		s.Grants = append(s.Grants, gr)
	}
	return nil
}

// ParseListen reads a listen setting: "off", or addresses (a string with
// commas, or an array of strings).
func ParseListen(v string) ([]string, error) { return parseListen(v) }

func parseListen(v any) ([]string, error) {
	var addrs []string
	switch l := v.(type) {
	case string:
		if strings.TrimSpace(l) == "off" {
			return nil, nil
		}
		addrs = strings.Split(l, ",")
	case []any:
		for _, a := range l {
			s, ok := a.(string)
			if !ok {
				return nil, errorString("array items must be strings like \"127.0.0.1:2222\"")
			}
			addrs = append(addrs, s)
		}
	default:
		return nil, errorString("want \"HOST:PORT\", an array of them, or \"off\"")
	}
	if len(addrs) == 0 {
		return nil, errorString("no address: write \"off\" to disable SSH")
	}
	for i, a := range addrs {
		a = strings.TrimSpace(a)
		if _, _, err := net.SplitHostPort(a); err != nil {
			return nil, fmt.Errorf("%q: want HOST:PORT, e.g. \"127.0.0.1:2222\", \"[::1]:2222\" or \":2222\" (every interface)", a)
		}
		addrs[i] = a
	}
	return addrs, nil
}

// checkNewSessionsUser refuses root. A user that does not exist (yet) is
// refused when `new` runs, so that a config can be checked elsewhere.
func checkNewSessionsUser(name string) error {
	if name == "root" || name == "0" {
		return errorString("must not be root: programs started over SSH never run as root")
	}
	if u, err := user.Lookup(name); err == nil && u.Uid == "0" {
		return fmt.Errorf("%s has uid 0: programs started over SSH never run as root", name)
	}
	return nil
}

func (g grantT) grant(bad func(field, format string, args ...any) error) (Grant, error) {
	var out Grant
	fp, err := Fingerprint(g.Key)
	if err != nil {
		return out, bad("key", "%v", err)
	}
	out.Key, out.Principal = fp, g.Principal
	if len(g.Allow) == 0 {
		return out, bad("allow", "missing: name what the key may do, e.g. allow = [\"control\"] (rights: %s)", strings.Join(ctl.RightNames(), ", "))
	}
	for _, name := range g.Allow {
		r, err := ctl.ParseRight(name)
		if err != nil {
			return out, bad("allow", "%v", err)
		}
		out.Allow |= r
	}
	return out, nil
}

// Fingerprint accepts a key's SHA256 fingerprint ("SHA256:...", as
// ssh-keygen -lf prints it) or a public key line ("ssh-ed25519 AAAA...
// comment", as in a .pub file) and returns the fingerprint.
func Fingerprint(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", errorString("missing: the key's fingerprint (ssh-keygen -lf KEY.pub prints it) or its public key line")
	}
	if rest, ok := strings.CutPrefix(v, "SHA256:"); ok {
		if b, err := base64.RawStdEncoding.DecodeString(rest); err != nil || len(b) != sha256.Size {
			return "", fmt.Errorf("%q is not a SHA256 fingerprint (ssh-keygen -lf KEY.pub prints it)", v)
		}
		return v, nil
	}
	pub, _, _, _, err := gossh.ParseAuthorizedKey([]byte(v))
	if err != nil {
		return "", fmt.Errorf("%q: want a fingerprint \"SHA256:...\" or a public key \"ssh-ed25519 AAAA...\"", v)
	}
	return gossh.FingerprintSHA256(pub), nil
}
