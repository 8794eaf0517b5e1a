// commands.go implements the commands of the table. Commands write what a
// person reads to Stdout and problems to Stderr; an error they return
// becomes the exit status (see Run).

package ctl

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
		return &UsageError{"missing arguments"}
	}
	return nil
}

func cmdLs(_ context.Context, e *Env, args []string) error {
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

func cmdStatus(_ context.Context, e *Env, args []string) error {
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

func cmdNew(_ context.Context, e *Env, args []string) error {
	// The same defaults as a config file's [session.NAME] table.
	spec := ptykeeper.NewSpec("", nil)
	fs := flags(e, "new")
	size := fs.String("size", "", "window size COLSxROWS before anyone attaches (default "+spec.Size.String()+")")
	restart := fs.String("restart", string(spec.Restart), "restart policy: never, on-failure, always")
	var env multiFlag
	fs.Var(&env, "env", "KEY=VALUE for the program's environment (repeatable)")
	name, rest, ok := cutName(args)
	if !ok {
		return &UsageError{"usage: ptykeeper new NAME [--size COLSxROWS] [--restart POLICY] [--env K=V]... -- COMMAND [ARG...]"}
	}
	if err := parse(fs, rest, 1, "NAME [flags] -- COMMAND [ARG...]"); err != nil {
		return err
	}
	spec.Name, spec.Command, spec.Env = name, fs.Args(), env
	spec.Restart = ptykeeper.RestartPolicy(*restart)
	if err := spec.Restart.Validate(); err != nil {
		return &UsageError{err.Error()}
	}
	if *size != "" {
		sz, err := ptykeeper.ParseSize(*size)
		if err != nil {
			return &UsageError{err.Error()}
		}
		spec.Size = sz
	}
	if e.Caller != nil {
		user, err := e.Caller.NewSessionUser()
		if err != nil {
			return err
		}
		spec.User = user
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

func cmdKill(_ context.Context, e *Env, args []string) error {
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

func cmdStart(_ context.Context, e *Env, args []string) error {
	return cmdControl(e, "start", args)
}

func cmdStop(_ context.Context, e *Env, args []string) error { return cmdControl(e, "stop", args) }

func cmdRestart(_ context.Context, e *Env, args []string) error {
	return cmdControl(e, "restart", args)
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

func cmdSnapshot(_ context.Context, e *Env, args []string) error {
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

func cmdSend(_ context.Context, e *Env, args []string) error {
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

func cmdHelp(_ context.Context, e *Env, args []string) error {
	if len(args) == 1 && CommandHelp(args[0]) != "" {
		_, err := io.WriteString(e.Stdout, CommandHelp(args[0]))
		return err
	}
	_, err := io.WriteString(e.Stdout, Usage)
	return err
}

func cmdVersion(_ context.Context, e *Env, _ []string) error {
	_, err := fmt.Fprintln(e.Stdout, Version())
	return err
}

func cmdReload(_ context.Context, e *Env, _ []string) error {
	if e.Daemon == nil {
		return errors.New("this daemon has no config file to reload")
	}
	msg, err := e.Daemon.Reload()
	io.WriteString(e.Stdout, msg)
	return err
}

func cmdUpgrade(_ context.Context, e *Env, args []string) error {
	fs := flags(e, "upgrade")
	binary := fs.String("binary", "", "the new ptykeeper binary (default: the file the daemon was started from)")
	timeout := fs.Duration("timeout", 30*time.Second, "how long the new binary may take to check the state and take over")
	if err := parse(fs, args, 0, "[--binary PATH] [--timeout 30s]"); err != nil {
		return err
	}
	if e.Daemon == nil {
		return errors.New("this daemon cannot be upgraded in place")
	}
	msg, err := e.Daemon.Upgrade(UpgradeRequest{Binary: *binary, Timeout: *timeout, Reply: e.Conn})
	io.WriteString(e.Stdout, msg)
	return err
}
