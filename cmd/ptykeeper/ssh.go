package main

// ssh.go starts the SSH server from the config: loopback only unless
// `listen` (or --ssh-listen) says otherwise, and not at all without a key
// file that passes the checks. With listen written out, SSH failing to
// start stops the daemon; with the default it is a warning.

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/config"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	"github.com/ptykeeper/ptykeeper/sshd"
	gossh "golang.org/x/crypto/ssh"
)

// sshPolicy is what the config grants keys beyond ctl.Use.
func sshPolicy(cfg *config.Config) sshd.Policy {
	p := sshd.Policy{NewSessionsUser: cfg.SSH.NewSessionsUser}
	for _, g := range cfg.SSH.Grants {
		p.Grants = append(p.Grants, sshd.Grant{Key: g.Key, Principal: g.Principal, Rights: g.Allow})
	}
	return p
}

// startSSH starts the SSH server unless it is off; nil when it did not
// start and that is only worth a warning.
func startSSH(cfg *config.Config, k *ptykeeper.Keeper, d ctl.Daemon, log *slog.Logger, served chan<- error) (*sshd.Server, []net.Listener, error) {
	return startSSHOn(cfg, k, d, log, served, nil)
}

// startSSHOn is startSSH on listeners already open (adopted after an
// upgrade), or, with none, on the config's addresses.
func startSSHOn(cfg *config.Config, k *ptykeeper.Keeper, d ctl.Daemon, log *slog.Logger, served chan<- error, adopted []net.Listener) (*sshd.Server, []net.Listener, error) {
	c := cfg.SSH
	if len(c.Listen) == 0 && len(adopted) == 0 {
		return nil, nil, nil
	}
	// notStarted is an error when SSH was asked for, else a warning.
	notStarted := func(err error, hint string) (*sshd.Server, []net.Listener, error) {
		err = fmt.Errorf("SSH not started: %w%s", err, hint)
		for _, l := range adopted {
			l.Close()
		}
		if c.ListenGiven {
			return nil, nil, err
		}
		log.Warn(err.Error())
		return nil, nil, nil
	}
	keys := &sshd.KeyStore{Path: c.AuthorizedKeys, Log: log}
	n, err := keys.Load()
	if err != nil {
		var fe *sshd.FileError
		if errors.As(err, &fe) {
			return notStarted(err, "")
		}
		return notStarted(err, " (add your public key there, or --ssh-listen off)")
	}
	host, created, err := sshd.LoadOrCreateHostKey(c.HostKey)
	if err != nil {
		return notStarted(err, "")
	}
	listeners := adopted
	var addrs []string
	for _, ln := range adopted {
		addrs = append(addrs, ln.Addr().String())
	}
	for _, a := range c.Listen {
		if len(adopted) > 0 {
			break
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			if c.ListenGiven {
				for _, l := range listeners {
					l.Close()
				}
				return nil, nil, fmt.Errorf("SSH: %w", err)
			}
			log.Warn("SSH: not listening on "+a, "err", err)
			continue
		}
		listeners = append(listeners, ln)
		addrs = append(addrs, ln.Addr().String())
	}
	if len(listeners) == 0 {
		return notStarted(errors.New("no address to listen on"), "")
	}
	srv := &sshd.Server{Keeper: k, Daemon: d, Keys: keys, HostKey: host, Log: log, DetachKey: cfg.DetachKey, Policy: sshPolicy(cfg)}
	for _, ln := range listeners {
		go func() {
			if err := srv.Serve(ln); err != nil {
				select {
				case served <- err: // the daemon stops
				default: // it is stopping already
				}
			}
		}()
	}
	log.Info("ssh listening", "addr", strings.Join(addrs, ","), "loopback_only", loopbackOnly(listeners),
		"host_key", gossh.FingerprintSHA256(host.PublicKey()), "host_key_file", c.HostKey, "new_host_key", created,
		"authorized_keys", c.AuthorizedKeys, "keys", n, "grants", len(c.Grants))
	return srv, listeners, nil
}

func loopbackOnly(ls []net.Listener) bool {
	for _, l := range ls {
		if a, ok := l.Addr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
			return false
		}
	}
	return true
}
