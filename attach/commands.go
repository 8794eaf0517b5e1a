// commands.go is the command set of the daemon, one implementation for the
// local CLI (over the Unix socket) and the SSH server. Commands write what a
// person reads to stdout, problems to stderr, and return an exit status:
// 0 ok, 1 failed, 2 usage error or unknown session.

package attach

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
)

// Daemon is what commands need beyond the keeper: daemon-wide operations
// that the daemon's main package owns.
type Daemon interface {
	// Reload re-reads the config and applies it; the text says what
	// changed, and what could not be changed without a restart.
	Reload() (string, error)
}

// Env is what a command runs with.
type Env struct {
	Keeper *ptykeeper.Keeper
	Daemon Daemon // nil: reload unsupported
	Stdout io.Writer
	Stderr io.Writer
}

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
  help                                this text
`

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// Run runs one command (not attach, which needs a stream both ways).
func Run(ctx context.Context, e *Env, argv []string) int {
	if len(argv) == 0 {
		argv = []string{"help"}
	}
	err := run(ctx, e, argv)
	if err == nil {
		return 0
	}
	fmt.Fprintf(e.Stderr, "ptykeeper %s: %v\n", argv[0], err)
	var ue *usageError
	var nf *ptykeeper.NotFoundError
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.As(err, &ue) || errors.As(err, &nf) {
		return 2
	}
	return 1
}

func run(ctx context.Context, e *Env, argv []string) error {
	name, args := argv[0], argv[1:]
	switch name {
	case "help", "-h", "--help":
		fmt.Fprint(e.Stdout, Usage)
		return nil
	case "ls", "list":
		return cmdLs(e, args)
	case "status":
		return cmdStatus(e, args)
	case "new":
		return cmdNew(e, args)
	case "kill":
		return cmdKill(e, args)
	case "start", "stop", "restart":
		return cmdControl(e, name, args)
	case "snapshot":
		return cmdSnapshot(e, args)
	case "send":
		return cmdSend(e, args)
	case "logs":
		return cmdLogs(ctx, e, args)
	case "reload":
		if e.Daemon == nil {
			return errors.New("this daemon has no config file to reload")
		}
		msg, err := e.Daemon.Reload()
		io.WriteString(e.Stdout, msg)
		return err
	case "attach":
		return &usageError{"attach needs a terminal"}
	}
	return &usageError{fmt.Sprintf("unknown command %q (try: help)", name)}
}

func flags(e *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return fs
}

func parse(fs *flag.FlagSet, args []string, minArgs int, usage string) error {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: ptykeeper %s %s\n", fs.Name(), usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < minArgs {
		fs.Usage()
		return &usageError{"missing arguments"}
	}
	return nil
}

func cmdLs(e *Env, args []string) error {
	fs := flags(e, "ls")
	asJSON := fs.Bool("json", false, "print JSON")
	quiet := fs.Bool("q", false, "names only")
	if err := parse(fs, args, 0, "[--json] [-q]"); err != nil {
		return err
	}
	list := e.Keeper.List()
	if *quiet {
		for _, s := range list {
			fmt.Fprintln(e.Stdout, s.Name)
		}
		return nil
	}
	if *asJSON {
		return json.NewEncoder(e.Stdout).Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintln(e.Stdout, "no sessions (add one: ptykeeper new NAME -- COMMAND)")
		return nil
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTATE\tPID\tUPTIME\tCLIENTS\tSIZE\tCOMMAND")
	for _, s := range list {
		pid, up := "-", "-"
		if s.Pid != 0 {
			pid, up = fmt.Sprint(s.Pid), Uptime(time.Since(s.Started))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\n", s.Name, s.State, pid, up, s.Clients, s.Size, strings.Join(s.Command, " "))
	}
	return tw.Flush()
}

// Uptime formats a duration as H:MM:SS, with days in front when needed.
func Uptime(d time.Duration) string {
	d = d.Truncate(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	s := fmt.Sprintf("%d:%02d:%02d", int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60)
	if days > 0 {
		s = fmt.Sprintf("%dd %s", days, s)
	}
	return s
}

// StatusLine is the one-line human form of a status.
func StatusLine(s ptykeeper.Status) string {
	var detail string
	switch {
	case s.Pid != 0:
		clients := "clients"
		if s.Clients == 1 {
			clients = "client"
		}
		detail = fmt.Sprintf("pid %d, uptime %s, %d %s", s.Pid, Uptime(time.Since(s.Started)), s.Clients, clients)
	case s.State == ptykeeper.Backoff:
		what := "could not start"
		if s.LastExit != nil && s.Error == "" {
			what = s.LastExit.String()
		}
		detail = fmt.Sprintf("%s %s, next start in %s", what, times(max(s.Restarts, s.Failures, 1)), time.Until(s.NextStart).Round(time.Second))
	case s.Error != "":
		detail = s.Error
	case s.LastExit != nil:
		detail = s.LastExit.String()
	}
	return fmt.Sprintf("%-12s %-9s %s", s.Name, s.State, detail)
}

func times(n int) string {
	words := []string{"", "once", "twice", "three times", "four times", "five times", "six times", "seven times", "eight times", "nine times", "ten times"}
	if n < len(words) {
		return words[n]
	}
	return fmt.Sprintf("%d times", n)
}

// sessions resolves NAME... or "all".
func sessions(e *Env, names []string) ([]*ptykeeper.Session, error) {
	if len(names) == 0 || (len(names) == 1 && names[0] == "all") {
		names = e.Keeper.Names()
	}
	var out []*ptykeeper.Session
	for _, n := range names {
		s, err := e.Keeper.Get(n)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

func cmdStatus(e *Env, args []string) error {
	fs := flags(e, "status")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := parse(fs, args, 0, "[--json] [NAME...|all]"); err != nil {
		return err
	}
	list, err := sessions(e, fs.Args())
	if err != nil {
		return err
	}
	var st []ptykeeper.Status
	for _, s := range list {
		st = append(st, s.Status())
	}
	if *asJSON {
		return json.NewEncoder(e.Stdout).Encode(st)
	}
	for _, s := range st {
		fmt.Fprintln(e.Stdout, StatusLine(s))
	}
	return nil
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func cmdNew(e *Env, args []string) error {
	fs := flags(e, "new")
	size := fs.String("size", "", "window size COLSxROWS before anyone attaches (default 80x24)")
	restart := fs.String("restart", "never", "restart policy: never, on-failure, always")
	var env multiFlag
	fs.Var(&env, "env", "KEY=VALUE for the program's environment (repeatable)")
	name, rest, ok := cutName(args)
	if !ok {
		return &usageError{"usage: ptykeeper new NAME [--size COLSxROWS] [--restart POLICY] [--env K=V]... -- COMMAND [ARG...]"}
	}
	if err := parse(fs, rest, 1, "NAME [flags] -- COMMAND [ARG...]"); err != nil {
		return err
	}
	// The same supervision defaults as a config file's sessions.
	spec := ptykeeper.Spec{Name: name, Command: fs.Args(), Env: env, Autostart: true, Restart: ptykeeper.RestartPolicy(*restart), StartSecs: time.Second, StartRetries: 3}
	switch spec.Restart {
	case ptykeeper.RestartNever, ptykeeper.RestartOnFailure, ptykeeper.RestartAlways:
	default:
		return &usageError{fmt.Sprintf("restart policy %q: want never, on-failure or always", *restart)}
	}
	if *size != "" {
		sz, err := ptykeeper.ParseSize(*size)
		if err != nil {
			return &usageError{err.Error()}
		}
		spec.Size = sz
	}
	s, err := e.Keeper.Add(spec)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "%s\nattach with: ptykeeper attach %s\n", StatusLine(s.Status()), name)
	return nil
}

// cutName takes the session name off the front of new's arguments.
func cutName(args []string) (name string, rest []string, ok bool) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return "", nil, false
	}
	return args[0], args[1:], true
}

func cmdKill(e *Env, args []string) error {
	fs := flags(e, "kill")
	if err := parse(fs, args, 1, "NAME"); err != nil {
		return err
	}
	for _, n := range fs.Args() {
		if err := e.Keeper.Remove(n); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "%s: stopped and removed\n", n)
	}
	return nil
}

func cmdControl(e *Env, verb string, args []string) error {
	fs := flags(e, verb)
	wait := fs.Bool("wait", false, "wait until RUNNING (start, restart) or stopped")
	timeout := fs.Duration("timeout", 30*time.Second, "how long --wait waits")
	if err := parse(fs, args, 1, "[--wait] [--timeout D] NAME...|all"); err != nil {
		return err
	}
	list, err := sessions(e, fs.Args())
	if err != nil {
		return err
	}
	var failed error
	for _, s := range list {
		var err error
		switch verb {
		case "start":
			err = s.Start()
		case "stop":
			err = s.Stop()
		case "restart":
			err = s.Restart()
		}
		if err == nil && *wait && verb != "stop" {
			st, ok := s.Wait(func(st ptykeeper.State) bool { return st == ptykeeper.Running || st.Down() }, *timeout)
			if !ok || st != ptykeeper.Running {
				err = fmt.Errorf("%s is %s, not RUNNING", s.Name(), st)
			}
		}
		if err != nil {
			fmt.Fprintf(e.Stderr, "%s: %v\n", s.Name(), err)
			failed = fmt.Errorf("%s failed", verb)
			continue
		}
		fmt.Fprintln(e.Stdout, StatusLine(s.Status()))
	}
	return failed
}

func cmdSnapshot(e *Env, args []string) error {
	fs := flags(e, "snapshot")
	ansi := fs.Bool("ansi", false, "keep colours and attributes")
	if err := parse(fs, args, 1, "[--ansi] NAME"); err != nil {
		return err
	}
	s, err := e.Keeper.Get(fs.Arg(0))
	if err != nil {
		return err
	}
	_, err = e.Stdout.Write(s.Snapshot(*ansi))
	return err
}

func cmdSend(e *Env, args []string) error {
	fs := flags(e, "send")
	literal := fs.Bool("l", false, "send every argument as literal text")
	if err := parse(fs, args, 2, "[-l] NAME KEY...   (keys: Enter Tab Escape Up Down Left Right C-c M-x ...)"); err != nil {
		return err
	}
	s, err := e.Keeper.Get(fs.Arg(0))
	if err != nil {
		return err
	}
	return s.Send(KeysToBytes(fs.Args()[1:], *literal))
}

func cmdLogs(ctx context.Context, e *Env, args []string) error {
	fs := flags(e, "logs")
	n := fs.Int("n", 50, "number of lines")
	follow := fs.Bool("f", false, "keep printing new output")
	if err := parse(fs, args, 1, "[-n N] [-f] NAME"); err != nil {
		return err
	}
	s, err := e.Keeper.Get(fs.Arg(0))
	if err != nil {
		return err
	}
	if *follow {
		return s.Follow(ctx, *n, e.Stdout)
	}
	_, err = e.Stdout.Write(s.History(*n))
	return err
}
