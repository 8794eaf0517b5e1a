package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/ptykeeper/ptykeeper/attach"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
)

type sessionFlags []string

func (s *sessionFlags) String() string     { return strings.Join(*s, " ") }
func (s *sessionFlags) Set(v string) error { *s = append(*s, v); return nil }

const noSessionsHelp = `ptykeeper serve: nothing to keep: no --session, no --demo.

Try the demo:       ptykeeper serve --demo
Or name a program:  ptykeeper serve --session 'irc=irssi -c irc.libera.chat'
`

// shutdownWait bounds the graceful stop of all sessions.
const shutdownWait = 60 * time.Second

func serve(socket string, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var sessions sessionFlags
	fs.Var(&sessions, "session", "NAME=COMMAND: keep COMMAND (split like a shell would) as session NAME; repeatable")
	demo := fs.Bool("demo", false, "add a demo session named 'demo'")
	policy := fs.String("size-policy", "latest", "PTY size with several clients: latest, smallest, largest")
	logFormat := fs.String("log-format", "text", "daemon log format on stderr: text or json")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := newLogger(*logFormat, stderr)
	if p := os.Getenv("PTYKEEPER_CPUPROFILE"); p != "" { // for benchmarks
		if f, err := os.Create(p); err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	sizePolicy, err := ptykeeper.ParseSizePolicy(*policy)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper serve: %v\n", err)
		return 2
	}
	specs, err := sessionSpecs(sessions, *demo)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper serve: %v\n", err)
		return 2
	}
	if len(specs) == 0 {
		fmt.Fprint(stderr, noSessionsHelp)
		return 2
	}

	// Signals we handle must not keep a disposition the shell gave us (nohup
	// ignores HUP): Notify resets them to default in programs we start.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGUSR2, syscall.SIGPIPE)
	if err := ptykeeper.EnableSubreaper(); err != nil {
		log.Warn("orphans will not be reaped", "err", err)
	}
	l, err := attach.Listen(socket)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper serve: %v\n", err)
		return 1
	}
	k := ptykeeper.New(ptykeeper.Options{SizePolicy: sizePolicy, Logger: log})
	srv := &attach.Server{Keeper: k, Log: log}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l.UnixListener) }()

	for _, spec := range specs {
		if _, err := k.Add(spec); err != nil {
			log.Error("session not started", "session", spec.Name, "err", err)
		}
	}
	log.Info("serving", "socket", socket, "sessions", strings.Join(k.Names(), ","), "pid", os.Getpid())
	if len(k.Names()) > 0 {
		log.Info("attach with: ptykeeper attach " + k.Names()[0])
	}

	code := 0
loop:
	for {
		select {
		case sig := <-sigs:
			switch sig {
			case syscall.SIGTERM, syscall.SIGINT:
				log.Info("shutting down", "signal", sig.String())
				break loop
			case syscall.SIGPIPE:
				// A closed stdout (journald gone) must not kill the daemon.
			default:
				log.Info("signal ignored", "signal", sig.String())
			}
		case err := <-served:
			log.Error("socket server stopped", "err", err)
			code = 1
			break loop
		}
	}
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
	defer cancel()
	if err := k.Shutdown(ctx); err != nil {
		log.Error("shutdown incomplete", "err", err)
		code = 1
	}
	srv.Close()
	return code
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
		specs = append(specs, ptykeeper.Spec{Name: "demo", Command: []string{self, demoArg}, Autostart: true, Restart: ptykeeper.RestartAlways})
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
		specs = append(specs, ptykeeper.Spec{Name: name, Command: argv, Autostart: true, InheritEnv: true})
	}
	return specs, nil
}
