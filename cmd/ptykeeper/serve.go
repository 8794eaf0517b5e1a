package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"syscall"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/ptykeeper/ptykeeper/attach"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/config"
	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
	"github.com/ptykeeper/ptykeeper/ptykeeper/logfile"
	"github.com/ptykeeper/ptykeeper/sshd"
)

type sessionFlags []string

func (s *sessionFlags) String() string     { return strings.Join(*s, " ") }
func (s *sessionFlags) Set(v string) error { *s = append(*s, v); return nil }

const sampleConfig = `# ~/.config/ptykeeper/ptykeeper.toml
log_dir = "~/.local/state/ptykeeper/logs"

[session.irc]
command = "irssi -c irc.libera.chat"
env = { HOME = "/home/me", LANG = "en_US.UTF-8" }
size = "120x40"
`

// shutdownWait bounds the graceful stop of all sessions.
const shutdownWait = 60 * time.Second

// serveOptions are serve's flags.
type serveOptions struct {
	socket     string // --socket or $PTYKEEPER_SOCKET; "": the config's
	configPath string
	sessions   sessionFlags
	demo       bool
	policy     string
	logFormat  string
	pidfile    string
	detach     bool
	logFile    string
	sshListen  string
	authKeys   string
}

func parseServe(args []string, stderr io.Writer) (*serveOptions, error) {
	o := &serveOptions{}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.configPath, "c", "", "config file (default: "+strings.Join(config.SearchPath(), ", then ")+")")
	fs.Var(&o.sessions, "session", "NAME=COMMAND: keep COMMAND (split like a shell would) as session NAME; repeatable")
	fs.BoolVar(&o.demo, "demo", false, "add a demo session named 'demo'")
	fs.StringVar(&o.policy, "size-policy", "", "PTY size with several clients: latest, smallest, largest (default: config, else latest)")
	fs.StringVar(&o.logFormat, "log-format", "text", "daemon log format on stderr: text or json")
	fs.StringVar(&o.pidfile, "pidfile", "", "write the daemon's pid here")
	fs.BoolVar(&o.detach, "detach", false, "run in the background (new session, cwd /, stdin /dev/null); returns once ready")
	fs.StringVar(&o.logFile, "log-file", "", "with --detach: the daemon's own log (default: STATE_DIR/ptykeeper.log)")
	fs.StringVar(&o.sshListen, "ssh-listen", "", "SSH addresses, comma-separated, or off (default: config [ssh] listen, else 127.0.0.1:2222,[::1]:2222)")
	fs.StringVar(&o.authKeys, "authorized-keys", "", "keys allowed over SSH (default: config [ssh] authorized_keys, else ~/.ssh/authorized_keys)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return o, nil
}

// loadConfig finds and reads the config, config.Default() when there is
// none. With no -c, --session or --demo, a config file must exist.
func (o *serveOptions) loadConfig() (*config.Config, error) {
	path := o.configPath
	if path == "" {
		path = config.DefaultPath()
	}
	if path == "" {
		if len(o.sessions) == 0 && !o.demo {
			return nil, fmt.Errorf("nothing to keep: no config file (looked for %s), no --session, no --demo.\n\nTry the demo:       ptykeeper serve --demo\nOr name a program:  ptykeeper serve --session 'irc=irssi -c irc.libera.chat'\nOr write a config, for example:\n\n%s", strings.Join(config.SearchPath(), ", "), sampleConfig)
		}
		return config.Default(), nil
	}
	return config.Load(path)
}

// applyFlags puts the flags that override the config into it.
func (o *serveOptions) applyFlags(cfg *config.Config) error {
	if o.socket != "" {
		cfg.Socket = o.socket
	}
	if o.sshListen != "" {
		l, err := config.ParseListen(o.sshListen)
		if err != nil {
			return fmt.Errorf("--ssh-listen: %w", err)
		}
		cfg.SSH.Listen, cfg.SSH.ListenGiven = l, true
	}
	if o.authKeys != "" {
		cfg.SSH.AuthorizedKeys = o.authKeys
	}
	if o.policy != "" {
		p, err := ptykeeper.ParseSizePolicy(o.policy)
		if err != nil {
			return fmt.Errorf("--size-policy: %w", err)
		}
		cfg.SizePolicy = p
	}
	return nil
}

// specs are the config's sessions plus --session and --demo.
func (o *serveOptions) specs(cfg *config.Config) ([]ptykeeper.Spec, error) {
	extra, err := sessionSpecs(o.sessions, o.demo)
	if err != nil {
		return nil, err
	}
	return append(append([]ptykeeper.Spec(nil), cfg.Sessions...), extra...), nil
}

// daemonState is what reload needs.
type daemonState struct {
	opts *serveOptions
	k    *ptykeeper.Keeper
	log  *slog.Logger
	mu   sync.Mutex     // one reload or upgrade at a time; guards cfg and ssh
	cfg  *config.Config // the config in force
	ssh  *sshd.Server   // nil: SSH is off

	l            *attach.Listener
	srv          *attach.Server
	sshListeners []net.Listener
	sshAddrs     []string   // the configured address each listener serves
	served       chan error // a server failing stops the daemon
	exe          string     // the binary this daemon runs: the default for upgrade
}

// Reload re-reads the config and applies it: the sessions' differences (see
// Keeper.Apply) and the daemon settings that can change while it runs. An
// invalid config changes nothing. The text says what changed, and names the
// settings that need a restart.
func (d *daemonState) Reload() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sd.SdNotify(false, sd.SdNotifyReloading)
	defer sd.SdNotify(false, sd.SdNotifyReady)
	cfg, err := d.opts.loadConfig()
	var specs []ptykeeper.Spec
	if err == nil {
		err = d.opts.applyFlags(cfg) // the command line still wins
	}
	if err == nil {
		specs, err = d.opts.specs(cfg)
	}
	if err != nil {
		d.log.Error("reload failed, keeping the running config", "err", err)
		return "", fmt.Errorf("reload failed, nothing changed: %w", err)
	}
	applied, restart := d.applySettings(cfg)
	ch, err := d.k.Apply(specs)
	d.log.Info("reloaded", "added", ch.Added, "changed", ch.Changed, "resized", ch.Resized, "removed", ch.Removed, "unchanged", ch.Unchanged, "settings", applied, "need_restart", restart, "err", err)
	var b strings.Builder
	for _, l := range []struct {
		what  string
		names []string
	}{{"added", ch.Added}, {"restarted", ch.Changed}, {"resized", ch.Resized}, {"removed", ch.Removed}, {"unchanged", ch.Unchanged}, {"settings applied", applied}} {
		if len(l.names) > 0 {
			fmt.Fprintf(&b, "%s: %s\n", l.what, strings.Join(l.names, ", "))
		}
	}
	if len(restart) > 0 {
		fmt.Fprintf(&b, "not applied, need a daemon restart: %s\n", strings.Join(restart, ", "))
	}
	if err != nil {
		return b.String(), fmt.Errorf("reload applied in part; failed: %w", err)
	}
	return b.String(), nil
}

// applySettings applies the daemon-level settings of cfg that differ from
// the ones in force, and names those that cannot change while running.
func (d *daemonState) applySettings(cfg *config.Config) (applied, restart []string) {
	old := d.cfg
	d.cfg = cfg
	applied, restart = d.applySSH(old, cfg)
	if cfg.SizePolicy != old.SizePolicy {
		d.k.SetSizePolicy(cfg.SizePolicy)
		applied = append(applied, "size_policy")
	}
	if cfg.LogDir != old.LogDir || cfg.LogMaxSize != old.LogMaxSize || cfg.LogKeep != old.LogKeep {
		d.k.SetSink(logSink(cfg))
		applied = append(applied, "log_dir/logs")
	}
	if cfg.Socket != old.Socket {
		restart = append(restart, "socket")
	}
	if cfg.StateDir != old.StateDir {
		restart = append(restart, "state_dir")
	}
	return applied, restart
}

// logSink opens session logs as cfg says, or nil for none.
func logSink(cfg *config.Config) func(string) (ptykeeper.LineSink, error) {
	if cfg.LogDir == "" {
		return nil
	}
	return func(name string) (ptykeeper.LineSink, error) {
		return logfile.Open(filepath.Join(cfg.LogDir, name), cfg.LogMaxSize, cfg.LogKeep)
	}
}

func serve(socket string, args []string, stderr io.Writer) int {
	o, err := parseServe(args, stderr)
	// An upgrade re-executed us in place (with the old daemon's command
	// line): take over instead of starting.
	if state, ok, rerr := handover.Resume(); ok || rerr != nil {
		if rerr != nil {
			fmt.Fprintf(stderr, "ptykeeper serve: %v\n", rerr)
			return 1
		}
		if err != nil {
			o = &serveOptions{} // flags this binary no longer knows: the state has what matters
		}
		o.socket = socket
		return resumeDaemon(o, state, stderr)
	}
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "ptykeeper serve: %v\n", err)
		return 2
	}
	o.socket = socket
	cfg, err := o.loadConfig()
	if err == nil {
		err = o.applyFlags(cfg)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper serve: %v\n", err)
		return 2
	}
	specs, err := o.specs(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper serve: %v\n", err)
		return 2
	}
	o.socket = cfg.Socket
	if o.detach {
		return detach(o, cfg, stderr)
	}
	return runDaemon(o, cfg, specs, stderr)
}

func runDaemon(o *serveOptions, cfg *config.Config, specs []ptykeeper.Spec, stderr io.Writer) int {
	log := newLogger(o.logFormat, stderr)
	sigs := catchSignals()
	oneThread()
	// Take the --detach parent's pipe, and its variable out of our
	// environment, before any program can inherit either.
	readyFile()
	if err := ptykeeper.EnableSubreaper(); err != nil {
		log.Warn("orphans will not be reaped", "err", err)
	}
	if err := claimPidfile(o.pidfile); err != nil {
		return fail(stderr, 1, err)
	}
	l, err := attach.Listen(o.socket)
	if err != nil {
		return fail(stderr, 1, err)
	}
	writePidfile(o.pidfile)
	exe, _ := os.Executable()
	k := ptykeeper.New(ptykeeper.Options{SizePolicy: cfg.SizePolicy, Logger: log, Sink: logSink(cfg)})
	d := &daemonState{opts: o, k: k, log: log, cfg: cfg, l: l, exe: exe}
	d.srv = &attach.Server{Keeper: k, Daemon: d, Log: log}
	served := make(chan error, 1)
	d.served = served
	sshSrv, lns, err := startSSH(cfg, k, d, log, served)
	if err != nil {
		l.Close()
		removePidfile(o.pidfile)
		return fail(stderr, 1, err)
	}
	d.mu.Lock()
	d.ssh, d.sshListeners, d.sshAddrs = sshSrv, lns, listenAddrs(cfg, lns)
	d.mu.Unlock()

	if ch, err := k.Apply(specs); err != nil {
		for name, err := range ch.Failed {
			log.Error("session not started", "session", name, "err", err)
		}
	}
	// Accepted only now: a client that connected early (the socket exists
	// since Listen) waits in the backlog instead of finding no session.
	go func() { served <- d.srv.Serve(l.UnixListener) }()
	log.Info("serving", "socket", o.socket, "sessions", strings.Join(k.Names(), ","), "config", cfg.Path, "pid", os.Getpid())
	if names := k.Names(); len(names) > 0 {
		log.Info("attach with: ptykeeper attach " + names[0])
	}
	sd.SdNotify(false, sd.SdNotifyReady)
	notifyParentReady()
	return d.loop(served, sigs)
}

// oneThread runs the daemon's goroutines on one thread at a time
// (GOMAXPROCS=1, unless the environment sets GOMAXPROCS), as tmux and dtach
// run one event loop. The daemon's work is short steps between waits for
// the kernel (read the PTY, parse, wake a client, write a socket); with a
// second P, every hand-off between goroutines wakes an idle thread (a
// futex and a context switch) that mostly finds nothing to do. A blocking
// system call (a slow disk) still gives the P to another thread. Measured
// with 64 MiB to one attached client on 2 cores (bench/termbench
// throughput): daemon and client CPU 2.1-2.3 s with 2 Ps, 1.0-1.4 s with
// one, and the program ran ~1.5x faster.
func oneThread() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}

// catchSignals starts catching the signals the daemon handles. It is the
// first thing a daemon does: a SIGTERM that arrives once the socket exists
// (a supervisor stopping us at once) must mean a clean stop, not death by
// the default action with the programs orphaned. It also resets a
// disposition the shell gave us (nohup ignores HUP) to default in the
// programs we start.
func catchSignals() chan os.Signal {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGUSR2, syscall.SIGPIPE)
	return sigs
}

// loop serves until SIGTERM or SIGINT (or the socket server failing), then
// stops every program and exits.
func (d *daemonState) loop(served chan error, sigs chan os.Signal) int {
	log, k := d.log, d.k
	defer removePidfile(d.opts.pidfile)
	if p := os.Getenv("PTYKEEPER_CPUPROFILE"); p != "" { // for benchmarks
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	stopWatchdog := watchdog()
	defer stopWatchdog()

	code := 0
loop:
	for {
		select {
		case sig := <-sigs:
			switch sig {
			case syscall.SIGTERM, syscall.SIGINT:
				log.Info("shutting down", "signal", sig.String(), "note", upgradeNote)
				break loop
			case syscall.SIGHUP:
				// Not in this loop: a reload that stops programs must not
				// delay a SIGTERM behind it.
				go d.Reload()
			case syscall.SIGUSR2:
				log.Info("reopening log files")
				logfile.ReopenAll()
			case syscall.SIGPIPE:
				// A closed stdout (journald gone) must not kill the daemon.
			}
		case err := <-served:
			log.Error("socket server stopped", "err", err)
			code = 1
			break loop
		}
	}
	sd.SdNotify(false, sd.SdNotifyStopping)
	d.l.StopAccepting()
	defer d.l.Close() // the single-daemon lock goes last, once the programs are stopped
	d.mu.Lock()
	sshSrv := d.ssh
	d.mu.Unlock()
	if sshSrv != nil {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		sshSrv.Shutdown(sctx)
		scancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	if err := k.Shutdown(ctx); err != nil {
		log.Error("shutdown incomplete", "err", err)
		code = 1
	}
	d.srv.Close()
	log.Info("stopped")
	return code
}

func fail(stderr io.Writer, code int, err error) int {
	fmt.Fprintf(stderr, "ptykeeper serve: %v\n", err)
	notifyParentFailed(err)
	return code
}

// watchdog pings systemd's watchdog at half its interval, if one is set.
func watchdog() (stop func()) {
	interval, err := sd.SdWatchdogEnabled(false)
	if err != nil || interval <= 0 {
		return func() {}
	}
	t := time.NewTicker(interval / 2)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				sd.SdNotify(false, sd.SdNotifyWatchdog)
			case <-done:
				return
			}
		}
	}()
	return func() { t.Stop(); close(done) }
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// sessionSpecs turns --session and --demo into specs.
func sessionSpecs(flags []string, demo bool) ([]ptykeeper.Spec, error) {
	var specs []ptykeeper.Spec
	if demo {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find own binary for the demo: %w", err)
		}
		specs = append(specs, ptykeeper.NewSpec("demo", []string{self, demoArg}))
	}
	for _, f := range flags {
		name, cmdline, ok := strings.Cut(f, "=")
		if !ok {
			return nil, errors.New("--session " + f + ": want NAME=COMMAND")
		}
		argv, err := ptykeeper.SplitCommand(cmdline)
		if err != nil {
			return nil, fmt.Errorf("--session %s: %w", name, err)
		}
		// From your shell: its environment, and no restart (a typo should
		// not loop).
		sp := ptykeeper.NewSpec(name, argv)
		sp.InheritEnv, sp.Restart = true, ptykeeper.RestartNever
		specs = append(specs, sp)
	}
	return specs, nil
}
