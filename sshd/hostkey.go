// Package sshd is ptykeeper's embedded SSH server: public-key auth from an
// OpenSSH authorized_keys file, a command policy per key (policy.go), our
// own handler for session channels (the program's PTY belongs to the
// keeper; an SSH pty-req only sets the viewer's size), and nothing else: no
// forwarding, no agent, no X11, no subsystems, no client environment.
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
// there (0600, in a 0700 folder) on first start, so known_hosts keeps
// working. The key and its folders must pass the StrictModes checks: a key
// others can read or replace lets them pose as this server.
func LoadOrCreateHostKey(path string) (gossh.Signer, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		created, err := createHostKey(path)
		if err != nil {
			return nil, false, err
		}
		if !created { // another daemon made it meanwhile
			b, err = os.ReadFile(path)
		}
		if err != nil {
			return nil, false, fmt.Errorf("host key: %w", err)
		}
		s, err := loadHostKey(path, b)
		return s, created, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("host key: %w", err)
	}
	s, err := loadHostKey(path, b)
	return s, false, err
}

func loadHostKey(path string, b []byte) (gossh.Signer, error) {
	if err := checkFile("host key", path, true); err != nil {
		return nil, err
	}
	if b == nil {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("host key: %w", err)
		}
	}
	s, err := gossh.ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("host key %s: %w", path, err)
	}
	return s, nil
}

// createHostKey writes a new key to path unless one appears there first
// (two daemons starting at once): the key is written to a temporary file
// and linked into place, which fails if path exists.
func createHostKey(path string) (bool, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return false, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "ptykeeper host key")
	if err != nil {
		return false, fmt.Errorf("encode host key: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("host key folder: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".ssh_host_key-*")
	if err != nil {
		return false, fmt.Errorf("write host key: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.Write(pem.EncodeToMemory(block))
	if err := errors.Join(werr, tmp.Close()); err != nil {
		return false, fmt.Errorf("write host key: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("write host key: %w", err)
	}
	return true, nil
}
