// session.go turns a [session.NAME] table into a ptykeeper.Spec, starting
// from ptykeeper.NewSpec (the one place a session's defaults live).

package config

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"golang.org/x/sys/unix"
)

type session struct {
	Command      any               `toml:"command"`
	Cwd          string            `toml:"cwd"`
	Env          map[string]string `toml:"env"`
	InheritEnv   bool              `toml:"inherit_env"`
	Term         string            `toml:"term"`
	Size         string            `toml:"size"`
	User         string            `toml:"user"`
	Group        string            `toml:"group"`
	Umask        any               `toml:"umask"`
	NoFile       uint64            `toml:"nofile"`
	Autostart    *bool             `toml:"autostart"`
	Restart      string            `toml:"restart"`
	ExitCodes    []int             `toml:"exitcodes"`
	StartSecs    string            `toml:"startsecs"`
	Backoff      backoffT          `toml:"backoff"`
	StartRetries *int              `toml:"startretries"`
	StopSignal   string            `toml:"stopsignal"`
	StopWait     string            `toml:"stopwait"`
}

type backoffT struct {
	Floor string `toml:"floor"`
	Cap   string `toml:"cap"`
}

func (s session) spec(name string, bad func(key, format string, args ...any) error) (ptykeeper.Spec, error) {
	sp := ptykeeper.NewSpec(name, nil)
	sp.Dir, sp.InheritEnv, sp.User, sp.Group, sp.NoFile = expandHome(s.Cwd), s.InheritEnv, s.User, s.Group, s.NoFile
	if s.Term != "" {
		sp.Term = s.Term
	}
	if s.ExitCodes != nil {
		sp.ExitCodes = s.ExitCodes
	}
	if err := ptykeeper.ValidateName(name); err != nil {
		return sp, bad("", "%v", err)
	}
	var err error
	if sp.Command, err = command(s.Command); err != nil {
		return sp, bad("command", "%v", err)
	}
	envKeys := make([]string, 0, len(s.Env))
	for k := range s.Env {
		envKeys = append(envKeys, k)
	}
	sort.Strings(envKeys)
	for _, k := range envKeys {
		if k == "" || strings.Contains(k, "=") {
			return sp, bad("env", "bad variable name %q", k)
		}
		sp.Env = append(sp.Env, k+"="+s.Env[k])
	}
	if s.Size != "" {
		sz, err := ptykeeper.ParseSize(s.Size)
		if err != nil {
			return sp, bad("size", "%v", err)
		}
		sp.Size = sz.Clamp()
	}
	switch u := s.Umask.(type) {
	case nil:
	case string:
		if _, err := strconv.ParseUint(u, 8, 12); err != nil {
			return sp, bad("umask", "%q is not an octal mask like \"022\"", u)
		}
		sp.Umask = u
	default:
		// An integer would be read as decimal: 22 is 0o26, not 0o22.
		return sp, bad("umask", "write it as an octal string, like umask = \"022\" (a TOML number is decimal)")
	}
	if s.Autostart != nil {
		sp.Autostart = *s.Autostart
	}
	if s.Restart != "" {
		sp.Restart = ptykeeper.RestartPolicy(s.Restart)
		if err := sp.Restart.Validate(); err != nil {
			return sp, bad("restart", "%v", err)
		}
	}
	if err := s.durations(&sp, bad); err != nil {
		return sp, err
	}
	if s.StartRetries != nil {
		sp.StartRetries = *s.StartRetries
	}
	if s.StopSignal != "" {
		sig := unix.SignalNum("SIG" + strings.TrimPrefix(strings.ToUpper(s.StopSignal), "SIG"))
		if sig == 0 {
			return sp, bad("stopsignal", "unknown signal %q (TERM, HUP, INT, QUIT, KILL, USR1, ...)", s.StopSignal)
		}
		sp.StopSignal = sig
	}
	if err := sp.Validate(); err != nil {
		return sp, bad("", "%v", err)
	}
	return sp, nil
}

// command reads command = "a string split like a shell would" or an array.
func command(v any) ([]string, error) {
	switch c := v.(type) {
	case string:
		argv, err := ptykeeper.SplitCommand(c)
		if err == nil && len(argv) == 0 {
			err = errorString("is empty")
		}
		return argv, err
	case []any:
		var argv []string
		for _, a := range c {
			w, ok := a.(string)
			if !ok {
				return nil, errorString("array items must be strings")
			}
			argv = append(argv, w)
		}
		if len(argv) == 0 || argv[0] == "" {
			return nil, errorString("is empty")
		}
		return argv, nil
	case nil:
		return nil, errorString("missing: give the program, as a string or an array")
	}
	return nil, errorString("want a string or an array of strings")
}

type errorString string

func (e errorString) Error() string { return string(e) }

// durations reads startsecs, stopwait and backoff. A value the supervisor
// cannot honour is an error, never silently replaced by a default.
func (s session) durations(sp *ptykeeper.Spec, bad func(key, format string, args ...any) error) error {
	for _, d := range []struct {
		key, v string
		dst    *time.Duration
	}{{"startsecs", s.StartSecs, &sp.StartSecs}, {"stopwait", s.StopWait, &sp.StopWait}, {"backoff.floor", s.Backoff.Floor, &sp.BackoffMin}, {"backoff.cap", s.Backoff.Cap, &sp.BackoffMax}} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil || v < 0 {
			return bad(d.key, "%q is not a duration like \"1s\" or \"500ms\"", d.v)
		}
		*d.dst = v
	}
	if s.StopWait != "" && sp.StopWait == 0 {
		return bad("stopwait", "must be more than 0 (to kill at once, set stopsignal = \"KILL\")")
	}
	if sp.BackoffMin < time.Second {
		return bad("backoff.floor", "below 1s would let a crashing program restart in a tight loop")
	}
	if sp.BackoffMax < sp.BackoffMin {
		return bad("backoff.cap", "%s is below the floor %s", sp.BackoffMax, sp.BackoffMin)
	}
	return nil
}
