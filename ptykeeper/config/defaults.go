// defaults.go is where the daemon's defaults live: Default() is the config
// of `ptykeeper serve` without a file, and every file starts from it.
// (A session's defaults are ptykeeper.NewSpec, which a [session.NAME]
// table, `new`, `--session` and the demo all start from.)

package config

import (
	"os"
	"path/filepath"
	"strconv"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
)

// SSHPort is the default SSH port.
const SSHPort = 2222

// EnvTestSSHPort replaces the port of the default SSH addresses. It exists
// for tests that run the daemon as a user would (no config, no flags) next
// to other tests; it is not documented for users.
const EnvTestSSHPort = "PTYKEEPER_TEST_SSH_PORT"

// Default returns the config used when there is no file: every default in
// one place.
func Default() *Config {
	state := DefaultStateDir()
	return &Config{
		Socket:     DefaultSocket(),
		StateDir:   state,
		DetachKey:  ctl.DefaultDetachKey,
		SizePolicy: ptykeeper.SizeLatest,
		LogMaxSize: 10 << 20,
		LogKeep:    10,
		SSH: SSH{
			Listen:         DefaultSSHListen(),
			AuthorizedKeys: expandHome("~/.ssh/authorized_keys"),
			HostKey:        filepath.Join(state, hostKeyName),
		},
	}
}

const hostKeyName = "ssh_host_ed25519_key"

// DefaultSSHListen is loopback only, IPv4 and IPv6: reaching the daemon
// from the network takes an explicit `listen` (or --ssh-listen).
func DefaultSSHListen() []string {
	port := strconv.Itoa(SSHPort)
	if p := os.Getenv(EnvTestSSHPort); p != "" {
		port = p
	}
	return []string{"127.0.0.1:" + port, "[::1]:" + port}
}

// DefaultSocket is $XDG_RUNTIME_DIR/ptykeeper/ptykeeper.sock, else (root)
// /run/ptykeeper/ptykeeper.sock, where the examples' service files put a
// system daemon's socket, so that `sudo ptykeeper ls` finds it; else
// /tmp/ptykeeper-UID/ptykeeper.sock.
func DefaultSocket() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "ptykeeper", "ptykeeper.sock")
	}
	if os.Getuid() == 0 {
		return "/run/ptykeeper/ptykeeper.sock"
	}
	return filepath.Join(os.TempDir(), "ptykeeper-"+strconv.Itoa(os.Getuid()), "ptykeeper.sock")
}

// DefaultStateDir is where the host key and state live by default:
// /var/lib/ptykeeper for root, else $XDG_STATE_HOME/ptykeeper
// (~/.local/state/ptykeeper).
func DefaultStateDir() string {
	if os.Getuid() == 0 {
		return "/var/lib/ptykeeper"
	}
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "ptykeeper")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state", "ptykeeper")
}

// DefaultPath returns the first config file that exists:
// $XDG_CONFIG_HOME/ptykeeper/ptykeeper.toml, then
// /etc/ptykeeper/ptykeeper.toml; "" if neither does.
func DefaultPath() string {
	for _, p := range SearchPath() {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

// SearchPath lists where the config file is looked for.
func SearchPath() []string {
	cfg := os.Getenv("XDG_CONFIG_HOME")
	if cfg == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cfg = filepath.Join(home, ".config")
		}
	}
	return []string{filepath.Join(cfg, "ptykeeper", "ptykeeper.toml"), "/etc/ptykeeper/ptykeeper.toml"}
}
