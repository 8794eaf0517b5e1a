// keystore.go keeps an authorized_keys file (re-read when it changes,
// refused when others could have written it) and decides whether a key or
// a user certificate may log in, from where, and with what restrictions.
// As OpenSSH does, every line that matches the key is tried in order; the
// first that admits it wins.

package sshd

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	gossh "golang.org/x/crypto/ssh"
)

// Login is what the authorized_keys line that admitted a key decided, and
// the rights the key holds.
type Login struct {
	Command     string // forced command ("" none)
	NoPTY       bool
	Fingerprint string // of the key (for a certificate: of the certified key)
	Comment     string
	Line        int // of authorized_keys
	// Certificates only: the CA's fingerprint, and the principals of the
	// certificate that the line admitted.
	CA         string
	Principals []string
	Rights     ctl.Rights // set by the server from its grants
}

// KeyStore is an authorized_keys file, re-read when it changes. The file
// and the folders above it pass the StrictModes checks (strictmodes.go) or
// no key in it is accepted.
type KeyStore struct {
	Path string
	Log  *slog.Logger // nil: discard

	mu      sync.Mutex
	stamp   string // size and mtime of what was parsed
	entries []entry
	refused string // the last file refusal logged, so it is logged once
}

// Load reads the file now; it fails if the file is refused or has no
// usable key.
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

func (k *KeyStore) log() *slog.Logger {
	if k.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return k.Log
}

func (k *KeyStore) refreshLocked() error {
	if err := checkFile("authorized_keys", k.Path, false); err != nil {
		k.entries, k.stamp = nil, ""
		if msg := err.Error(); msg != k.refused {
			k.refused = msg
			var fe *FileError
			if errors.As(err, &fe) {
				k.log().Error("authorized_keys refused: no key is accepted", "file", k.Path, "path", fe.Path, "mode", fe.Mode.String(), "err", err)
			}
		}
		return err
	}
	k.refused = ""
	st, err := os.Stat(k.Path)
	if err != nil {
		k.entries, k.stamp = nil, ""
		return fmt.Errorf("authorized_keys: %w", err)
	}
	stamp := fmt.Sprint(st.Size(), st.ModTime().UnixNano(), st.Mode())
	if stamp == k.stamp {
		return nil
	}
	data, err := os.ReadFile(k.Path)
	if err != nil {
		return fmt.Errorf("authorized_keys: %w", err)
	}
	k.entries, k.stamp = parseAuthorizedKeys(data, k.Path, k.Log), stamp
	return nil
}

// errDenied is what a client learns: nothing specific.
var errDenied = errors.New("permission denied")

// Check decides whether key may log in as user from addr. The reason for a
// refusal goes to the log, not to the client. perms carries what x/crypto
// enforces itself (a certificate's source-address).
func (k *KeyStore) Check(user string, addr net.Addr, key gossh.PublicKey) (login *Login, perms *gossh.Permissions, reason string, err error) {
	k.mu.Lock()
	if err := k.refreshLocked(); err != nil {
		k.mu.Unlock()
		return nil, nil, err.Error(), errDenied
	}
	entries := k.entries
	k.mu.Unlock()
	ip := addrIP(addr)
	if cert, ok := key.(*gossh.Certificate); ok {
		return checkCert(entries, user, ip, cert)
	}
	wire := key.Marshal()
	var reasons []string
	for i := range entries {
		e := &entries[i]
		if e.certAuth || !bytes.Equal(e.wire, wire) {
			continue
		}
		if r := e.refuse(ip); r != "" {
			reasons = append(reasons, r)
			continue
		}
		return e.login(gossh.FingerprintSHA256(key)), &gossh.Permissions{}, "", nil
	}
	if len(reasons) == 0 {
		return nil, nil, "key not in " + k.Path, errDenied
	}
	return nil, nil, strings.Join(reasons, "; "), errDenied
}

func (e *entry) login(fingerprint string) *Login {
	return &Login{Command: e.command, NoPTY: e.noPTY, Fingerprint: fingerprint, Comment: e.comment, Line: e.line}
}

// supportedCriticalOptions are the certificate critical options enforced
// here (force-command) or by x/crypto (source-address).
var supportedCriticalOptions = []string{"force-command", "source-address"}

func checkCert(entries []entry, user string, ip net.IP, cert *gossh.Certificate) (*Login, *gossh.Permissions, string, error) {
	if cert.CertType != gossh.UserCert {
		return nil, nil, "not a user certificate", errDenied
	}
	if len(cert.ValidPrincipals) == 0 {
		// x/crypto would accept it for any user; OpenSSH refuses.
		return nil, nil, "certificate has no principals", errDenied
	}
	ca := cert.SignatureKey.Marshal()
	var reasons []string
	for i := range entries {
		e := &entries[i]
		if !e.certAuth || !bytes.Equal(e.wire, ca) {
			continue
		}
		login, perms, r := e.admitCert(user, ip, cert)
		if r != "" {
			reasons = append(reasons, r)
			continue
		}
		return login, perms, "", nil
	}
	if len(reasons) == 0 {
		return nil, nil, "certificate not signed by a cert-authority in authorized_keys", errDenied
	}
	return nil, nil, strings.Join(reasons, "; "), errDenied
}

// admitCert checks a certificate against one cert-authority line; a
// non-empty reason refuses it.
func (e *entry) admitCert(user string, ip net.IP, cert *gossh.Certificate) (*Login, *gossh.Permissions, string) {
	if r := e.refuse(ip); r != "" {
		return nil, nil, r
	}
	// The principals this line admits: those in principals=, else the
	// login name, as OpenSSH does.
	allowed := e.principals
	if len(allowed) == 0 {
		allowed = []string{user}
	}
	var admitted []string
	for _, p := range cert.ValidPrincipals {
		if slices.Contains(allowed, p) {
			admitted = append(admitted, p)
		}
	}
	if len(admitted) == 0 {
		return nil, nil, fmt.Sprintf("line %d: no principal of the certificate (%s) is allowed (%s)", e.line, strings.Join(cert.ValidPrincipals, ","), strings.Join(allowed, ","))
	}
	ca := cert.SignatureKey
	checker := gossh.CertChecker{
		IsUserAuthority:          func(auth gossh.PublicKey) bool { return bytes.Equal(auth.Marshal(), e.wire) },
		SupportedCriticalOptions: supportedCriticalOptions,
	}
	if err := checker.CheckCert(admitted[0], cert); err != nil {
		return nil, nil, fmt.Sprintf("line %d: %v", e.line, err)
	}
	login := e.login(gossh.FingerprintSHA256(cert.Key))
	login.CA, login.Principals = gossh.FingerprintSHA256(ca), admitted
	if fc, ok := cert.CriticalOptions["force-command"]; ok {
		if login.Command != "" && login.Command != fc {
			// OpenSSH refuses too: neither command can be trusted to be
			// the one meant.
			return nil, nil, fmt.Sprintf("line %d: the certificate's force-command %q differs from the line's command=%q", e.line, fc, login.Command)
		}
		login.Command = fc
	}
	perms := &gossh.Permissions{CriticalOptions: map[string]string{}}
	if sa, ok := cert.CriticalOptions["source-address"]; ok {
		perms.CriticalOptions["source-address"] = sa // enforced by x/crypto
	}
	if _, ok := cert.Extensions["permit-pty"]; !ok {
		login.NoPTY = true
	}
	return login, perms, ""
}

func addrIP(a net.Addr) net.IP {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP
	}
	host, _, _ := net.SplitHostPort(a.String())
	return net.ParseIP(host)
}
