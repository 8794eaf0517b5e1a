package ptykeeper

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Restart policies, as supervisord and systemd name them.
type RestartPolicy string

// Restart policies.
const (
	RestartNever     RestartPolicy = "never"
	RestartOnFailure RestartPolicy = "on-failure"
	RestartAlways    RestartPolicy = "always"
)

// Validate accepts the three policies.
func (p RestartPolicy) Validate() error {
	switch p {
	case RestartNever, RestartOnFailure, RestartAlways:
		return nil
	}
	return fmt.Errorf("restart policy %q: want always, on-failure or never", string(p))
}

// NewSpec returns a session with the documented defaults: what a
// [session.NAME] table of the config file starts from, and `new`, `serve
// --session` and the demo too. It is the one place a user's session
// defaults are written: Defaults below for the fields whose zero value
// means nothing (term, size, exit codes, backoff, stop signal, stop wait),
// and here autostart, restart always, startsecs 1s, startretries 3.
func NewSpec(name string, command []string) Spec {
	return Spec{
		Name: name, Command: command,
		Autostart: true, Restart: RestartAlways, StartSecs: time.Second, StartRetries: 3,
	}.Defaults()
}

// Spec is everything a session is configured with. It is plain data: two
// Specs that are equal describe the same program, which is how a config
// reload tells unchanged sessions from changed ones.
type Spec struct {
	Name       string
	Command    []string
	Dir        string
	Env        []string // KEY=VALUE; wins over everything else
	InheritEnv bool     // start from the daemon's environment
	Term       string
	Size       Size
	User       string
	Group      string
	Umask      string // octal, e.g. "022"; empty: the daemon's
	NoFile     uint64 // RLIMIT_NOFILE for the program; 0: the system default

	Autostart    bool
	Restart      RestartPolicy
	ExitCodes    []int         // exit codes that count as success
	StartSecs    time.Duration // alive this long: STARTING becomes RUNNING
	BackoffMin   time.Duration
	BackoffMax   time.Duration
	StartRetries int // quick failures in a row before FATAL; <0: never give up
	StopSignal   syscall.Signal
	StopWait     time.Duration
}

// Defaults gives the zero fields that mean nothing their documented value.
// Fields whose zero value means something are left alone: Autostart false,
// Restart "" (never: a Spec built in code restarts only when asked),
// StartSecs 0 (RUNNING at once), StartRetries 0 (FATAL at the first failed
// start), Umask "" (the daemon's), NoFile 0 (the system's). The defaults a
// user gets for those are NewSpec's.
func (s Spec) Defaults() Spec {
	if s.Term == "" {
		s.Term = "xterm-256color"
	}
	if s.Size == (Size{}) {
		s.Size = DefaultSize
	}
	s.Size = s.Size.Clamp()
	if s.Restart == "" {
		s.Restart = RestartNever
	}
	if s.ExitCodes == nil {
		s.ExitCodes = []int{0}
	}
	if s.BackoffMin == 0 {
		s.BackoffMin = time.Second
	}
	if s.BackoffMax == 0 {
		s.BackoffMax = time.Minute
	}
	if s.StopSignal == 0 {
		s.StopSignal = syscall.SIGTERM
	}
	if s.StopWait == 0 {
		s.StopWait = 10 * time.Second
	}
	return s
}

// Validate checks a spec that went through Defaults.
func (s Spec) Validate() error {
	if err := ValidateName(s.Name); err != nil {
		return err
	}
	if len(s.Command) == 0 || s.Command[0] == "" {
		return fmt.Errorf("session %s: command is empty", s.Name)
	}
	for _, kv := range s.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			return fmt.Errorf("session %s: env entry %q is not KEY=VALUE", s.Name, kv)
		}
	}
	if err := s.Restart.Validate(); err != nil {
		return fmt.Errorf("session %s: %w", s.Name, err)
	}
	if s.Umask != "" {
		if _, err := strconv.ParseUint(s.Umask, 8, 12); err != nil {
			return fmt.Errorf("session %s: umask %q is not an octal number like 022", s.Name, s.Umask)
		}
	}
	if s.BackoffMin < 0 || s.BackoffMax < s.BackoffMin {
		return fmt.Errorf("session %s: backoff must be 0 <= min <= max", s.Name)
	}
	return nil
}

// daemonOnlyEnv lists variables that describe the daemon's own relationship
// with its service manager. Passing them on would make a program answer
// systemd in ptykeeper's name.
var daemonOnlyEnv = []string{"NOTIFY_SOCKET", "LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "WATCHDOG_USEC", "WATCHDOG_PID", "INVOCATION_ID", "JOURNAL_STREAM", "PTYKEEPER_SOCKET", "PTYKEEPER_READY_FD"}

// environ builds the program's environment: a small clean base (or the
// daemon's own, minus its service-manager variables, with InheritEnv), then
// TERM, then the spec's Env, which wins.
func (s Spec) environ(home string) []string {
	env := map[string]string{}
	var order []string
	set := func(k, v string) {
		if _, ok := env[k]; !ok {
			order = append(order, k)
		}
		env[k] = v
	}
	if s.InheritEnv {
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			set(k, v)
		}
		for _, k := range daemonOnlyEnv {
			delete(env, k)
		}
	} else {
		set("HOME", home)
		set("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin")
		lang := os.Getenv("LANG")
		if lang == "" {
			lang = "C.UTF-8"
		}
		set("LANG", lang)
	}
	set("TERM", s.Term)
	for _, kv := range s.Env {
		k, v, _ := strings.Cut(kv, "=")
		set(k, v)
	}
	out := make([]string, 0, len(env))
	for _, k := range order {
		if v, ok := env[k]; ok {
			out = append(out, k+"="+v)
		}
	}
	return out
}

func lookupEnv(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}
