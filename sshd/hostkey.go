// Package sshd is ptykeeper's embedded SSH server: public-key auth from an
// OpenSSH authorized_keys file, our own handler for session channels (the
// program's PTY belongs to the keeper; an SSH pty-req only sets the
// viewer's size), and nothing else: no forwarding, no agent, no X11, no
// subsystems, no client environment.
//
// hostkey.go keeps the server's identity stable across restarts.
package sshd

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// LoadOrCreateHostKey reads the ed25519 host key at path, or generates one
// there (0600) on first start, so known_hosts keeps working.
func LoadOrCreateHostKey(path string) (gossh.Signer, bool, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		s, err := gossh.ParsePrivateKey(b)
		if err != nil {
			return nil, false, fmt.Errorf("host key %s: %w", path, err)
		}
		return s, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "ptykeeper host key")
	if err != nil {
		return nil, false, fmt.Errorf("encode host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, false, fmt.Errorf("host key dir: %w", err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(block), 0o600); err != nil {
		return nil, false, fmt.Errorf("write host key: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, false, fmt.Errorf("write host key: %w", err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	return s, true, err
}
