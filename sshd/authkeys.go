// authkeys.go reads OpenSSH authorized_keys files and decides whether a key
// (or a user certificate) may log in, from where, and with what
// restrictions. It fails closed: a line with an option we do not
// understand does not let its key in.

package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Grant is what an authenticated key may do.
type Grant struct {
	Command     string // forced command ("" none)
	NoPTY       bool
	Fingerprint string
	Comment     string
}

// entry is one usable authorized_keys line.
type entry struct {
	key        gossh.PublicKey
	comment    string
	line       int
	from       []string
	command    string
	noPTY      bool
	expiry     time.Time
	certAuth   bool
	principals []string // cert-authority: allowed principals
}

// KeyStore is an authorized_keys file, re-read when it changes.
type KeyStore struct {
	Path string
	Log  *slog.Logger

	mu      sync.Mutex
	stamp   string // size and mtime of what was parsed
	entries []entry
}

// Load reads the file now; it fails if the file has no usable key.
func (k *KeyStore) Load() (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.refreshLocked(); err != nil {
		return 0, err
	}
	if len(k.entries) == 0 {
		return 0, fmt.Errorf("%s has no usable key", k.Path)
	}
	return len(k.entries), nil
}

func (k *KeyStore) refreshLocked() error {
	st, err := os.Stat(k.Path)
	if err != nil {
		k.entries, k.stamp = nil, ""
		return fmt.Errorf("authorized keys: %w", err)
	}
	stamp := fmt.Sprint(st.Size(), st.ModTime().UnixNano())
	if stamp == k.stamp {
		return nil
	}
	data, err := os.ReadFile(k.Path)
	if err != nil {
		return fmt.Errorf("authorized keys: %w", err)
	}
	k.entries, k.stamp = parseAuthorizedKeys(data, k.Path, k.Log), stamp
	return nil
}

// parseAuthorizedKeys parses every line on its own: x/crypto's parser skips
// bad lines silently and keeps option text raw.
func parseAuthorizedKeys(data []byte, file string, log *slog.Logger) []entry {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var out []entry
	for i, raw := range bytes.Split(data, []byte("\n")) {
		line := bytes.TrimSpace(raw)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		pub, comment, opts, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			log.Warn("authorized_keys: line ignored", "file", file, "line", i+1, "err", err)
			continue
		}
		e := entry{key: pub, comment: comment, line: i + 1}
		if err := e.applyOptions(opts); err != nil {
			log.Warn("authorized_keys: key refused", "file", file, "line", i+1, "err", err)
			continue
		}
		out = append(out, e)
	}
	return out
}

func (e *entry) applyOptions(opts []string) error {
	for _, o := range opts {
		name, val, hasVal := strings.Cut(o, "=")
		name = strings.ToLower(name)
		if hasVal {
			v, err := unquote(val)
			if err != nil {
				return fmt.Errorf("option %s: %w", name, err)
			}
			val = v
		}
		switch name {
		case "from":
			e.from = strings.Split(val, ",")
		case "command":
			e.command = val
		case "restrict", "no-pty":
			e.noPTY = true
			if name == "restrict" {
				e.noPTY = true
			}
		case "pty":
			e.noPTY = false // restrict,pty
		case "expiry-time":
			t, err := parseExpiry(val)
			if err != nil {
				return err
			}
			e.expiry = t
		case "cert-authority":
			e.certAuth = true
		case "principals":
			e.principals = strings.Split(val, ",")
		case "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc", "port-forwarding", "agent-forwarding", "x11-forwarding", "user-rc", "no-touch-required", "verify-required":
			// Forwarding is always refused here; user rc does not exist.
		default:
			return fmt.Errorf("option %q is not supported (failing closed)", name)
		}
	}
	return nil
}

func unquote(v string) (string, error) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", errors.New("value must be in double quotes")
	}
	return strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`), nil
}

func parseExpiry(v string) (time.Time, error) {
	for _, layout := range []string{"20060102150405", "200601021504", "20060102"} {
		if len(v) == len(layout) {
			if t, err := time.ParseInLocation(layout, v, time.Local); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, fmt.Errorf("expiry-time %q: want YYYYMMDD[HHMM[SS]]", v)
}

// matchFrom applies a from= pattern list to a client address, as OpenSSH
// does: a matching negated pattern denies, else a matching positive one
// allows. Patterns match the IP address (wildcards * and ?) or are CIDR
// blocks; names are not looked up.
func matchFrom(patterns []string, ip net.IP) bool {
	ok := false
	for _, p := range patterns {
		p = strings.TrimSpace(p)
		neg := strings.HasPrefix(p, "!")
		p = strings.TrimPrefix(p, "!")
		var m bool
		if _, n, err := net.ParseCIDR(p); err == nil {
			m = n.Contains(ip)
		} else {
			m, _ = path.Match(p, ip.String())
		}
		if m && neg {
			return false
		}
		ok = ok || m
	}
	return ok
}

// errDenied is what a client learns: nothing specific.
var errDenied = errors.New("permission denied")

// Check decides whether key may log in as user from addr. The reason for a
// refusal goes to the log, not to the client.
func (k *KeyStore) Check(user string, addr net.Addr, key gossh.PublicKey) (*Grant, *gossh.Permissions, string, error) {
	k.mu.Lock()
	if err := k.refreshLocked(); err != nil {
		k.mu.Unlock()
		return nil, nil, err.Error(), errDenied
	}
	entries := k.entries
	k.mu.Unlock()
	ip := addrIP(addr)
	if cert, ok := key.(*gossh.Certificate); ok {
		return checkCert(entries, user, addr, ip, cert)
	}
	wire := key.Marshal()
	for _, e := range entries {
		if e.certAuth || !bytes.Equal(e.key.Marshal(), wire) {
			continue
		}
		if reason := e.refuse(ip); reason != "" {
			return nil, nil, reason, errDenied
		}
		return e.grant(key), &gossh.Permissions{}, "", nil
	}
	return nil, nil, "key not in " + k.Path, errDenied
}

func (e *entry) refuse(ip net.IP) string {
	if len(e.from) > 0 && !matchFrom(e.from, ip) {
		return fmt.Sprintf("from=%q does not match %s (line %d)", strings.Join(e.from, ","), ip, e.line)
	}
	if !e.expiry.IsZero() && time.Now().After(e.expiry) {
		return fmt.Sprintf("key expired %s (line %d)", e.expiry.Format(time.DateTime), e.line)
	}
	return ""
}

func (e *entry) grant(key gossh.PublicKey) *Grant {
	return &Grant{Command: e.command, NoPTY: e.noPTY, Fingerprint: gossh.FingerprintSHA256(key), Comment: e.comment}
}

func checkCert(entries []entry, user string, addr net.Addr, ip net.IP, cert *gossh.Certificate) (*Grant, *gossh.Permissions, string, error) {
	if cert.CertType != gossh.UserCert {
		return nil, nil, "not a user certificate", errDenied
	}
	if len(cert.ValidPrincipals) == 0 {
		// x/crypto would accept it for any user; OpenSSH refuses.
		return nil, nil, "certificate has no principals", errDenied
	}
	ca := cert.SignatureKey.Marshal()
	for _, e := range entries {
		if !e.certAuth || !bytes.Equal(e.key.Marshal(), ca) {
			continue
		}
		if reason := e.refuse(ip); reason != "" {
			return nil, nil, reason, errDenied
		}
		if len(e.principals) > 0 && !anyIn(cert.ValidPrincipals, e.principals) {
			return nil, nil, "no certificate principal is allowed by principals=", errDenied
		}
		checker := gossh.CertChecker{IsUserAuthority: func(auth gossh.PublicKey) bool { return bytes.Equal(auth.Marshal(), ca) }}
		principal := user
		if len(e.principals) > 0 {
			principal = firstIn(cert.ValidPrincipals, e.principals)
		}
		if err := checker.CheckCert(principal, cert); err != nil {
			return nil, nil, err.Error(), errDenied
		}
		g := e.grant(cert)
		perms := &gossh.Permissions{CriticalOptions: map[string]string{}}
		for k, v := range cert.CriticalOptions {
			switch k {
			case "source-address":
				perms.CriticalOptions[k] = v // enforced by x/crypto
			case "force-command":
				if g.Command == "" {
					g.Command = v
				}
			default:
				return nil, nil, "unknown critical option " + k, errDenied
			}
		}
		if _, ok := cert.Extensions["permit-pty"]; !ok {
			g.NoPTY = true
		}
		return g, perms, "", nil
	}
	return nil, nil, "certificate not signed by a cert-authority in authorized_keys", errDenied
}

func anyIn(have, allowed []string) bool { return firstIn(have, allowed) != "" }

func firstIn(have, allowed []string) string {
	for _, h := range have {
		for _, a := range allowed {
			if h == a {
				return h
			}
		}
	}
	return ""
}

func addrIP(a net.Addr) net.IP {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP
	}
	host, _, _ := net.SplitHostPort(a.String())
	return net.ParseIP(host)
}
