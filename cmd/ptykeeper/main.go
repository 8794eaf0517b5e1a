// Command ptykeeper keeps interactive terminal programs running under their
// own PTYs and lets their owner attach to them, locally or over SSH.
//
// This file is wiring only: flags, signals, and which package does what.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ptykeeper/ptykeeper/attach"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/config"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

const usage = `ptykeeper keeps terminal programs running and lets you attach to them.

Usage:
  ptykeeper serve [--demo] [--session NAME=COMMAND]... [flags]   run the daemon (foreground)
  ptykeeper attach [-r] [-d] [--scrollback N] [--detach-key ^X] NAME
  ptykeeper COMMAND [ARGS]                  talk to the running daemon (see below)
  ptykeeper version

Quick start:
  ptykeeper serve --demo &    # a daemon with a demo session
  ptykeeper attach demo       # Ctrl-\ detaches; the program keeps running

` + ctl.Usage + `
Global flag (before the command):
  --socket PATH    the daemon's socket (default: $PTYKEEPER_SOCKET, else the config
                   file's socket, else $XDG_RUNTIME_DIR/ptykeeper/ptykeeper.sock,
                   else /run/ptykeeper/ptykeeper.sock as root, else
                   /tmp/ptykeeper-UID/ptykeeper.sock)

'ptykeeper COMMAND --help' shows each command's flags.
`

func main() {
	ptykeeper.RunExecHelper()
	handover.RunCheck(decodeImage) // an upgrade's dry run: answers and exits
	if len(os.Args) > 1 && os.Args[1] == demoArg {
		os.Exit(testprog.Run("demo", os.Args[2:]))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// demoArg makes the binary run the demo program instead.
const demoArg = "__demo"

// envSocket names the daemon's socket; it wins over the config file's.
const envSocket = "PTYKEEPER_SOCKET"

func run(args []string, stdout, stderr io.Writer) int {
	socket := os.Getenv(envSocket) // "": the config's, else the default
	for len(args) > 0 && strings.HasPrefix(args[0], "--socket") {
		if v, ok := strings.CutPrefix(args[0], "--socket="); ok {
			socket, args = v, args[1:]
		} else if len(args) > 1 {
			socket, args = args[1], args[2:]
		} else {
			fmt.Fprintln(stderr, "ptykeeper: --socket needs a path")
			return 2
		}
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	if h := ctl.CommandHelp(args[0]); h != "" && ctl.WantsHelp(args[1:]) {
		fmt.Fprint(stdout, h)
		return 0
	}
	switch args[0] {
	case "help", "-h", "--help":
		if len(args) > 1 && ctl.CommandHelp(args[1]) != "" {
			fmt.Fprint(stdout, ctl.CommandHelp(args[1]))
			return 0
		}
		fmt.Fprint(stdout, usage)
		return 0
	case "ssh-config":
		return sshConfig(args[1:], stdout, stderr)
	case "completion":
		return completion(args[1:], stdout, stderr)
	case "version", "--version":
		// This binary's version, and the running daemon's if there is one
		// (after an upgrade, or a package update, they can differ).
		fmt.Fprintln(stdout, ctl.Version())
		var daemon bytes.Buffer
		if attach.Command(clientSocket(socket, io.Discard), []string{"version"}, &daemon, io.Discard) == 0 {
			fmt.Fprintf(stdout, "daemon: %s", daemon.String())
		}
		return 0
	case "serve":
		return serve(socket, args[1:], stderr)
	case "check":
		return check(args[1:], stdout, stderr)
	case "attach":
		return attach.AttachTerminal(clientSocket(socket, stderr), args[1:], os.Stdin, os.Stdout, stderr)
	}
	return attach.Command(clientSocket(socket, stderr), args, stdout, stderr)
}

// clientSocket is where a client finds the daemon: --socket or
// $PTYKEEPER_SOCKET, else the config file's socket (the daemon read the
// same file), else the default.
func clientSocket(given string, stderr io.Writer) string {
	if given != "" {
		return given
	}
	path := config.DefaultPath()
	if path == "" {
		return config.DefaultSocket()
	}
	cfg, err := config.Load(path)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper: %v\n(the daemon's socket is looked for at the default place, %s)\n", err, config.DefaultSocket())
		return config.DefaultSocket()
	}
	return cfg.Socket
}

// check validates a config file without starting anything; --effective
// prints it with every default filled in.
func check(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("c", config.DefaultPath(), "config file")
	effective := fs.Bool("effective", false, "print the config with every default filled in")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *path == "" && !*effective {
		fmt.Fprintf(stderr, "ptykeeper check: no config file (looked for %s); use -c FILE\n", strings.Join(config.SearchPath(), ", "))
		return 2
	}
	cfg := config.Default()
	if *path != "" {
		var err error
		if cfg, err = config.Load(*path); err != nil {
			fmt.Fprintf(stderr, "ptykeeper check: %v\n", err)
			return 1
		}
	}
	if *effective {
		if err := cfg.WriteTOML(stdout); err != nil {
			fmt.Fprintf(stderr, "ptykeeper check: %v\n", err)
			return 1
		}
		return 0
	}
	var names []string
	for _, s := range cfg.Sessions {
		names = append(names, s.Name)
	}
	fmt.Fprintf(stdout, "%s: ok, %d sessions: %s\n", *path, len(names), strings.Join(names, ", "))
	return 0
}
