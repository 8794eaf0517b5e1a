// Package ctl is the daemon's command set: one table of commands with the
// right each one needs, used by both transports (the Unix socket in attach/,
// SSH in sshd/). A transport says who is calling (a Caller); ctl looks the
// command up, asks the caller whether it holds the right, and runs it.
//
// table.go owns the table, the Env a command runs with, and Run.
package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
)

// Daemon is what commands need beyond the keeper: daemon-wide operations
// that the daemon's main package owns.
type Daemon interface {
	// Reload re-reads the config and applies it; the text says what
	// changed, and what could not be changed without a restart.
	Reload() (string, error)
	// Upgrade replaces the daemon's binary in place, keeping every
	// program (see cmd/ptykeeper/upgrade.go). When it succeeds with a
	// Reply connection, it does not return: the new daemon answers on it.
	Upgrade(UpgradeRequest) (string, error)
}

// UpgradeRequest is what `upgrade` asks for.
type UpgradeRequest struct {
	Binary  string        // "": the file the daemon was started from
	Timeout time.Duration // for the new binary to check the state and take over
	// Reply is the local connection the command came on: it is carried
	// over, and the new daemon writes the answer and the exit status.
	// nil (SSH): the connection ends with the old daemon.
	Reply any
}

// Caller is who runs a command, as the transport knows them. A nil Caller
// is the daemon's owner on the local socket: every right, and `new` runs
// programs as the daemon's user.
type Caller interface {
	// Allow returns nil if the caller may run command, which needs the
	// rights need. Otherwise its error, shown to the caller, says what was
	// refused and which setting grants it.
	Allow(command string, need Rights) error
	// NewSessionUser is the user a program started by `new` runs as ("":
	// the daemon's own), or an error saying why `new` is refused.
	NewSessionUser() (string, error)
}

// Env is what a command runs with. Keeper is required; nil writers
// discard.
type Env struct {
	Keeper *ptykeeper.Keeper
	Daemon Daemon // nil: reload and upgrade unsupported
	Caller Caller // nil: the local owner
	Conn   any    // the transport's connection, if it can be carried over an upgrade
	Stdout io.Writer
	Stderr io.Writer
}

// command is one row of the table.
type command struct {
	name  string
	need  Rights
	run   func(ctx context.Context, e *Env, args []string) error // nil: the transport's (attach)
	alias string                                                 // the row this name stands for
}

// table is every command a client can send. attach is listed for its right;
// the transports run it themselves, since it streams both ways.
var table = []command{
	{name: "help", need: Use, run: cmdHelp},
	{name: "version", need: Use, run: cmdVersion},
	{name: "ls", need: Use, run: cmdLs},
	{name: "status", need: Use, run: cmdStatus},
	{name: "attach", need: Use},
	{name: "snapshot", need: Use, run: cmdSnapshot},
	{name: "logs", need: Use, run: cmdLogs},
	{name: "start", need: Start, run: cmdStart},
	{name: "stop", need: Stop, run: cmdStop},
	{name: "restart", need: Restart, run: cmdRestart},
	{name: "send", need: Send, run: cmdSend},
	{name: "kill", need: Kill, run: cmdKill},
	{name: "reload", need: Reload, run: cmdReload},
	{name: "new", need: New, run: cmdNew},
	{name: "upgrade", need: Upgrade, run: cmdUpgrade},
	{name: "list", alias: "ls"},
	{name: "-h", alias: "help"},
	{name: "--help", alias: "help"},
}

func lookup(name string) (command, bool) {
	for _, c := range table {
		if c.name == name {
			if c.alias != "" {
				return lookup(c.alias)
			}
			return c, true
		}
	}
	return command{}, false
}

// Need returns the rights a command needs, and false for an unknown command.
func Need(name string) (Rights, bool) {
	c, ok := lookup(name)
	return c.need, ok
}

// Names lists the commands a client can send (no aliases), for completion
// and tests.
func Names() []string {
	var out []string
	for _, c := range table {
		if c.alias == "" {
			out = append(out, c.name)
		}
	}
	return out
}

// Allow asks the env's caller whether it may run the named command; nil for
// the local owner. Transports call it for attach, which does not go through
// Run.
func (e *Env) Allow(name string) error {
	c, ok := lookup(name)
	if !ok {
		return &UsageError{fmt.Sprintf("unknown command %q (try: help)", name)}
	}
	if e.Caller == nil {
		return nil
	}
	return e.Caller.Allow(c.name, c.need)
}

// UsageError is a mistake in how a command was called (exit status 2).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Run runs one command (not attach, which needs a stream both ways) and
// returns its exit status: 0 ok, 1 failed or refused, 2 usage error,
// unknown command or unknown session. Problems are written to e.Stderr as
// "ptykeeper COMMAND: ...".
func Run(ctx context.Context, e *Env, argv []string) int {
	if len(argv) == 0 {
		argv = []string{"help"}
	}
	if e.Stdout == nil || e.Stderr == nil {
		w := *e
		if w.Stdout == nil {
			w.Stdout = io.Discard
		}
		if w.Stderr == nil {
			w.Stderr = io.Discard
		}
		e = &w
	}
	var err error
	if e.Keeper == nil {
		err = errors.New("no sessions to run it on (ctl.Env.Keeper is nil)")
	} else {
		err = run(ctx, e, argv)
	}
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(e.Stderr, "ptykeeper %s: %v\n", argv[0], err)
	var ue *UsageError
	var nf *ptykeeper.NotFoundError
	if errors.As(err, &ue) || errors.As(err, &nf) {
		return 2
	}
	return 1
}

func run(ctx context.Context, e *Env, argv []string) error {
	if err := e.Allow(argv[0]); err != nil {
		return err
	}
	c, _ := lookup(argv[0])
	if c.run == nil {
		return &UsageError{c.name + " needs a terminal"}
	}
	return c.run(ctx, e, argv[1:])
}
