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
	"reflect"
	"strconv"
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
		serveSSH(srv, ln, served)
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

// serveSSH serves ln in the background. A listener closed on purpose (a
// reload dropped its address) ends quietly; any other failure stops the
// daemon.
func serveSSH(srv *sshd.Server, ln net.Listener, served chan<- error) {
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) {
			select {
			case served <- err: // the daemon stops
			default: // it is stopping already
			}
		}
	}()
}

// applySSH applies a changed [ssh] table and detach key while the daemon
// runs, keeping every SSH connection: addresses added are listened on,
// addresses dropped are closed, another authorized_keys file, the grants
// and the detach key apply to what starts from now. It names what it
// applied, and what needs a restart (a new host key). d.mu is held.
func (d *daemonState) applySSH(old, cfg *config.Config) (applied, restart []string) {
	if reflect.DeepEqual(old.SSH, cfg.SSH) && old.DetachKey == cfg.DetachKey {
		return nil, nil
	}
	if d.ssh == nil {
		if len(cfg.SSH.Listen) == 0 {
			return nil, nil
		}
		srv, lns, err := startSSH(cfg, d.k, d, d.log, d.served)
		switch {
		case err != nil:
			return nil, []string{fmt.Sprintf("ssh (not started: %v)", err)}
		case srv == nil: // still no usable key: the log says so
			return nil, nil
		}
		d.ssh, d.sshListeners, d.sshAddrs = srv, lns, listenAddrs(cfg, lns)
		return []string{"ssh (started)"}, nil
	}
	d.ssh.SetPolicy(sshPolicy(cfg)) // grants and new_sessions_user, for new connections
	if !reflect.DeepEqual(old.SSH.Grants, cfg.SSH.Grants) || old.SSH.NewSessionsUser != cfg.SSH.NewSessionsUser {
		applied = append(applied, "ssh grants")
	}
	if cfg.DetachKey != old.DetachKey {
		d.ssh.SetDetachKey(cfg.DetachKey)
		applied = append(applied, "detach_key")
	}
	if cfg.SSH.AuthorizedKeys != old.SSH.AuthorizedKeys {
		ks := &sshd.KeyStore{Path: cfg.SSH.AuthorizedKeys, Log: d.log}
		if _, err := ks.Load(); err != nil {
			restart = append(restart, fmt.Sprintf("ssh.authorized_keys (kept the old file: %v)", err))
		} else {
			d.ssh.SetKeys(ks)
			applied = append(applied, "ssh.authorized_keys")
		}
	}
	if cfg.SSH.HostKey != old.SSH.HostKey {
		restart = append(restart, "ssh.host_key")
	}
	if !reflect.DeepEqual(cfg.SSH.Listen, old.SSH.Listen) {
		a, r := d.relisten(cfg)
		applied, restart = append(applied, a...), append(restart, r...)
	}
	return applied, restart
}

// relisten opens the addresses cfg adds and closes those it drops.
func (d *daemonState) relisten(cfg *config.Config) (applied, restart []string) {
	want := map[string]bool{}
	for _, a := range cfg.SSH.Listen {
		want[a] = true
	}
	var lns []net.Listener
	var addrs []string
	have := map[string]bool{}
	for i, ln := range d.sshListeners {
		if a := d.sshAddrs[i]; want[a] {
			lns, addrs, have[a] = append(lns, ln), append(addrs, a), true
			continue
		}
		ln.Close() // connections made through it stay
		applied = append(applied, "ssh.listen -"+d.sshAddrs[i])
	}
	for _, a := range cfg.SSH.Listen {
		if have[a] {
			continue
		}
		ln, err := net.Listen("tcp", a)
		if err != nil {
			restart = append(restart, fmt.Sprintf("ssh.listen %s (%v)", a, err))
			continue
		}
		serveSSH(d.ssh, ln, d.served)
		lns, addrs = append(lns, ln), append(addrs, a)
		applied = append(applied, "ssh.listen +"+a)
	}
	d.sshListeners, d.sshAddrs = lns, addrs
	d.log.Info("ssh listening", "addr", strings.Join(addrs, ","), "loopback_only", loopbackOnly(lns))
	return applied, restart
}

// listenAddrs names each listener by the configured address it was opened
// for.
func listenAddrs(cfg *config.Config, lns []net.Listener) []string {
	addrs := make([]string, len(lns))
	for i, ln := range lns {
		addrs[i] = ln.Addr().String()
		for _, a := range cfg.SSH.Listen {
			if host, port, err := net.SplitHostPort(a); err == nil {
				if la, ok := ln.Addr().(*net.TCPAddr); ok && strconv.Itoa(la.Port) == port && (host == "" || net.ParseIP(host).Equal(la.IP)) {
					addrs[i] = a
				}
			}
		}
	}
	return addrs
}
