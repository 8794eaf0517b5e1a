// policy.go decides what an authenticated key may do. Every key holds
// ctl.Use (attach, ls, status, logs, snapshot, help, version); anything that
// changes something needs a Grant for that key, or for the certificate
// authority that signed its certificate. `new` also needs NewSessionsUser:
// a program started over SSH never runs as root.

package sshd

import (
	"fmt"
	"os"
	"os/user"
	"slices"
	"strconv"
	"strings"

	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
)

// Grant gives rights beyond ctl.Use to one key, or to certificates signed by
// one certificate authority.
type Grant struct {
	// Key is the SHA256 fingerprint of the key, or of the CA for
	// certificates ("SHA256:...").
	Key string
	// Principal narrows a CA's grant to certificates whose admitted
	// principals include it; "" for any. A grant with a principal never
	// matches a plain key.
	Principal string
	Rights    ctl.Rights
}

// Policy is what the server grants beyond ctl.Use. The zero value grants
// nothing more and refuses `new`.
type Policy struct {
	Grants []Grant
	// NewSessionsUser is the user programs started with `new` over SSH run
	// as; "" refuses `new`. Root is always refused.
	NewSessionsUser string
}

// rights is what login holds under p.
func (p *Policy) rights(l *Login) ctl.Rights {
	r := ctl.Use
	for _, g := range p.Grants {
		switch {
		case l.CA == "":
			if g.Principal == "" && g.Key == l.Fingerprint {
				r |= g.Rights
			}
		case g.Key == l.CA && (g.Principal == "" || slices.Contains(l.Principals, g.Principal)):
			r |= g.Rights
		}
	}
	return r
}

// keyCaller is an authenticated key running commands: ctl's Caller over SSH.
type keyCaller struct {
	s      *Server
	login  *Login
	policy *Policy
	addr   string
}

// Allow refuses what the key holds no right for, says which setting grants
// it, and logs the refusal with the key's fingerprint.
func (c *keyCaller) Allow(command string, need ctl.Rights) error {
	if c.login.Rights.Has(need) {
		return nil
	}
	c.s.log().Warn("ssh command refused", "command", command, "needs", need.String(), "holds", c.login.Rights.String(),
		"key", c.login.Fingerprint, "ca", c.login.CA, "comment", c.login.Comment, "addr", c.addr)
	who, grant := fmt.Sprintf("key %s", c.login.Fingerprint), fmt.Sprintf("key = %q", c.login.Fingerprint)
	if c.login.CA != "" {
		who = fmt.Sprintf("certificate (CA %s, principal %s)", c.login.CA, strings.Join(c.login.Principals, ","))
		grant = fmt.Sprintf("key = %q   # the certificate authority\n  principal = %q", c.login.CA, c.login.Principals[0])
	}
	also := ""
	if need == ctl.New {
		also = "\nand name the user its programs run as (never root) in the [ssh] table: new_sessions_user = \"USER\""
	}
	return fmt.Errorf("refused: this %s may not run %q over SSH (it may: %s).\n"+
		"To allow it, add to the daemon's config, then reload it (the grant holds for new connections):\n"+
		"  [[ssh.grant]]\n  %s\n  allow = [%q]%s", who, command, c.login.Rights.String(), grant, need.String(), also)
}

// NewSessionUser is the user `new` runs programs as: NewSessionsUser, never
// root; "" when that is the daemon's own user.
func (c *keyCaller) NewSessionUser() (string, error) {
	name := c.policy.NewSessionsUser
	if name == "" {
		return "", fmt.Errorf("refused: new over SSH is off. To allow it, name the user its programs run as (never root) in the [ssh] table of the daemon's config: new_sessions_user = \"USER\"")
	}
	u, err := user.Lookup(name)
	if err != nil {
		return "", fmt.Errorf("refused: ssh.new_sessions_user %q: %w", name, err)
	}
	switch {
	case u.Uid == "0":
		return "", fmt.Errorf("refused: ssh.new_sessions_user %q is root; programs started over SSH never run as root", name)
	case u.Uid == strconv.Itoa(os.Getuid()):
		return "", nil // the daemon's own user: nothing to drop
	case os.Getuid() != 0:
		return "", fmt.Errorf("refused: the daemon runs as uid %d and cannot start programs as %s (ssh.new_sessions_user)", os.Getuid(), name)
	}
	return name, nil
}
