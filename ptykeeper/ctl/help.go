// help.go holds the command overview and each command's help, with
// examples. The local client answers --help itself, so it works without a
// daemon.

package ctl

// Usage is the command overview shown by help.
const Usage = `Commands:
  ls                                  list sessions
  status [--json] [NAME...|all]       one line per session
  attach [-r] [-d] [--scrollback N] NAME
                                      attach (-r read-only, -d detach the others)
  new NAME [--size COLSxROWS] [--restart POLICY] [--env K=V]... -- COMMAND [ARG...]
                                      add a session to the running daemon
  start|stop|restart [--wait] [--timeout D] NAME...|all
  kill NAME                           stop the program and remove the session
  snapshot [--ansi] NAME              print the current screen (like tmux capture-pane -p)
  send [-l] NAME KEY...               type into a session: text and keys such as
                                      Enter, Tab, Escape, Up, C-c, M-x (-l: all literal)
  logs [-n N] [-f] NAME               print the last N lines of output (-f: follow)
  reload                              re-read the config file
  upgrade [--binary PATH] [--timeout 30s]
                                      replace the daemon's binary in place; programs keep running
  version                             the daemon's version
  help                                this text

Over SSH a key may attach, ls, status, logs, snapshot, help and version;
anything else needs a grant in the daemon's config ([[ssh.grant]]).
`

var commandHelp = map[string]string{
	"serve": `ptykeeper serve [-c FILE] [--demo] [--session NAME=COMMAND]... [flags]

Run the daemon in the foreground (systemd, upstart, daemontools and
supervisord all expect that; --detach forks into the background instead).

Flags:
  -c FILE                config file (default: ~/.config/ptykeeper/ptykeeper.toml,
                         then /etc/ptykeeper/ptykeeper.toml)
  --demo                 add a session named demo
  --session NAME=CMD     keep CMD (split like a shell would) as NAME; repeatable
  --ssh-listen ADDRS     SSH addresses, comma-separated, or off (default:
                         config, else 127.0.0.1:2222,[::1]:2222: loopback only)
  --authorized-keys FILE keys allowed over SSH (default: ~/.ssh/authorized_keys)
  --size-policy P        latest, smallest or largest
  --log-format F         text or json (the daemon's own log, on stderr)
  --pidfile FILE         write the daemon's pid
  --detach               run in the background; returns once the daemon is ready
  --log-file FILE        with --detach: where the daemon's log goes

Signals: TERM/INT stop every session and exit; HUP reloads the config;
USR2 reopens session log files (after logrotate).

Examples:
  ptykeeper serve --demo
  ptykeeper serve --session 'irc=irssi -c irc.libera.chat'
  ptykeeper serve -c /etc/ptykeeper/ptykeeper.toml
`,
	"attach": `ptykeeper attach [-r] [-d] [--scrollback N] [--detach-key ^X] NAME

Attach your terminal to session NAME: its current screen is repainted, then
everything is live. Detach with Ctrl-\ (the program goes on).

  -r               read-only: see it, type nothing, your size is ignored
  -d               detach every other client first
  --scrollback N   write the last N lines of history first (into your
                   terminal's own scrollback)
  --detach-key K   ^X style, a single character, or none

Exit status: 0 after a detach, the program's status if it exited.

Examples:
  ptykeeper attach demo
  ptykeeper attach -r --scrollback 500 irc
  ssh -t -p 2222 myserver attach irc
`,
	"ls":       "ptykeeper ls [--json] [-q]\n\nList sessions: name, state, pid, uptime, clients, size, command.\n  -q  names only\n",
	"status":   "ptykeeper status [--json] [NAME...|all]\n\nOne line per session, e.g.\n  irc          RUNNING   pid 4211, uptime 3:02:11, 2 clients\n",
	"new":      "ptykeeper new NAME [--size COLSxROWS] [--restart never|on-failure|always] [--env K=V]... -- COMMAND [ARG...]\n\nAdd a session to the running daemon (not to the config file), with the\ndefaults of a config file's session (restart always, startsecs 1s, ...).\nOver SSH it needs the \"new\" grant and ssh.new_sessions_user (the program\nruns as that user, never as root).\n\nExample:\n  ptykeeper new htop -- htop\n",
	"start":    "ptykeeper start [--wait] [--timeout 30s] NAME...|all\n\nStart stopped, exited or FATAL sessions. --wait: until RUNNING.\n",
	"stop":     "ptykeeper stop NAME...|all\n\nStop: the stop signal to the process group, SIGKILL after stopwait.\nReturns when the program was reaped. The session stays, STOPPED.\n",
	"restart":  "ptykeeper restart [--wait] [--timeout 30s] NAME...|all\n\nStop, then start. Attached clients stay attached and see the new run.\n",
	"kill":     "ptykeeper kill NAME\n\nStop the program and remove the session.\n",
	"snapshot": "ptykeeper snapshot [--ansi] NAME\n\nPrint the current screen as text (like tmux capture-pane -p).\n  --ansi  keep colours and attributes\n",
	"send":     "ptykeeper send [-l] NAME KEY...\n\nType into a session. Arguments are text, or key names: Enter Tab Escape\nSpace BSpace Up Down Left Right Home End PageUp PageDown Delete Insert\nF1-F4, C-x (Ctrl), M-x (Alt). -l: every argument is literal text.\n\nExample:\n  ptykeeper send irc '/join #go' Enter\n",
	"logs":     "ptykeeper logs [-n 50] [-f] NAME\n\nPrint the last N lines of output, escape sequences removed. -f: follow.\nFiles with timestamps are in LOG_DIR/NAME/current when log_dir is set.\n",
	"upgrade":  "ptykeeper upgrade [--binary PATH] [--timeout 30s]\n\nReplace the running daemon with a new binary (default: the file it was\nstarted from, e.g. after a package upgrade installed a new one) without\nending a program: the daemon re-executes itself in place (same pid), hands\nover every session, program, screen and log, and local clients stay\nattached. SSH clients are asked to reconnect (exit status 75). If the new\nbinary cannot take over, nothing changes and the reason is printed.\n`systemctl restart` and SIGTERM still end the programs.\n",
	"reload":   "ptykeeper reload\n\nRe-read the config file: unchanged sessions are untouched, changed ones\nrestart, removed ones stop, new ones start. An invalid file changes nothing\nand the error is printed. (Same as SIGHUP to the daemon.)\n",
	"check":    "ptykeeper check [-c FILE] [--effective]\n\nValidate a config file without starting anything.\n  --effective  print the config with every default filled in (TOML that\n               ptykeeper reads back); without a file, the defaults of\n               'ptykeeper serve'\n",
	"ssh-config": `ptykeeper ssh-config NAME --host HOST [--port 2222] [--user USER] [--identity FILE]

Print a ~/.ssh/config block so that 'ssh NAME' attaches to session NAME.

Example:
  ptykeeper ssh-config earthquake --host myserver.example.com >> ~/.ssh/config
  ssh earthquake
`,
	"completion": "ptykeeper completion bash|zsh\n\nPrint a shell completion script (commands, flags' names, session names).\n  bash: source <(ptykeeper completion bash)\n  zsh:  source <(ptykeeper completion zsh)\n",
	"version":    "ptykeeper version\n\nPrint the module version and commit the binary was built from.\n",
}

// CommandHelp returns the help of a command, or "" for none.
func CommandHelp(cmd string) string { return commandHelp[cmd] }

// WantsHelp reports whether args ask for help.
func WantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "-h" || a == "--help" || a == "-help" {
			return true
		}
	}
	return false
}

// Commands lists the command names, for completion.
func Commands() []string {
	var out []string
	for c := range commandHelp {
		out = append(out, c)
	}
	return append(out, "help")
}
