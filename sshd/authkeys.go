// authkeys.go parses OpenSSH authorized_keys lines and their options. It
// fails closed: a line with an option we do not enforce (verify-required,
// permitopen, environment, ...) or a repeated one does not let its key in,
// and the refusal is logged with the file and line.

package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path"
	"strings"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// entry is one usable authorized_keys line.
type entry struct {
	key        gossh.PublicKey
	wire       []byte // key.Marshal(), compared with offered keys
	comment    string
	line       int
	from       []string
	command    string
	noPTY      bool
	expiry     time.Time
	certAuth   bool
	principals []string // cert-authority: allowed principals
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
		e := entry{key: pub, wire: pub.Marshal(), comment: comment, line: i + 1}
		if err := e.applyOptions(opts); err != nil {
			log.Warn("authorized_keys: key refused", "file", file, "line", i+1, "key", gossh.FingerprintSHA256(pub), "err", err)
			continue
		}
		out = append(out, e)
	}
	return out
}

// acceptedOptions are the options that change nothing here: forwarding is
// always refused and there is no user rc to run.
var acceptedOptions = map[string]bool{
	"no-port-forwarding": true, "no-agent-forwarding": true, "no-x11-forwarding": true, "no-user-rc": true,
	"port-forwarding": true, "agent-forwarding": true, "x11-forwarding": true, "user-rc": true,
	// x/crypto checks the user-presence flag of security keys unless told
	// otherwise; we never tell it, so a touch stays required (stricter).
	"no-touch-required": true,
}

func (e *entry) applyOptions(opts []string) error {
	seen := map[string]bool{}
	for _, o := range opts {
		name, val, hasVal := strings.Cut(o, "=")
		name = strings.ToLower(name)
		if seen[name] && (name == "from" || name == "command" || name == "expiry-time" || name == "principals") {
			return fmt.Errorf("option %s given twice", name)
		}
		seen[name] = true
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
		case "verify-required":
			return errors.New("option verify-required is not enforced here (FIDO user verification is not checked), so the key is refused")
		default:
			if !acceptedOptions[name] {
				return fmt.Errorf("option %q is not supported (failing closed)", name)
			}
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

// refuse says why this line does not admit a client at ip now, or "".
func (e *entry) refuse(ip net.IP) string {
	if len(e.from) > 0 && !matchFrom(e.from, ip) {
		return fmt.Sprintf("line %d: from=%q does not match %s", e.line, strings.Join(e.from, ","), ip)
	}
	if !e.expiry.IsZero() && time.Now().After(e.expiry) {
		return fmt.Sprintf("line %d: key expired %s", e.line, e.expiry.Format(time.DateTime))
	}
	return ""
}
