// Package config reads ptykeeper's TOML config file into session specs and
// daemon settings. Every mistake is reported with the file, line and key:
// unknown keys, wrong types and bad values alike.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"golang.org/x/sys/unix"
)

// Config is a validated config file.
type Config struct {
	Path       string
	Socket     string // empty: the default
	StateDir   string
	LogDir     string // empty: no log files
	DetachKey  string
	SizePolicy ptykeeper.SizePolicy
	LogMaxSize int64 // bytes per log file before rotation
	LogKeep    int   // rotated files kept
	SSH        SSH
	Sessions   []ptykeeper.Spec // sorted by name
}

// SSH is the [ssh] table.
type SSH struct {
	Listen         string // "off" disables
	AuthorizedKeys string
	HostKey        string // default: STATE_DIR/ssh_host_ed25519_key
}

type fileT struct {
	Socket     string             `toml:"socket"`
	StateDir   string             `toml:"state_dir"`
	LogDir     string             `toml:"log_dir"`
	DetachKey  string             `toml:"detach_key"`
	SizePolicy string             `toml:"size_policy"`
	Logs       logsT              `toml:"logs"`
	SSH        sshT               `toml:"ssh"`
	Session    map[string]session `toml:"session"`
}

type logsT struct {
	MaxSize string `toml:"max_size"`
	Keep    *int   `toml:"keep"`
}

type sshT struct {
	Listen         string `toml:"listen"`
	AuthorizedKeys string `toml:"authorized_keys"`
	HostKey        string `toml:"host_key"`
}

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

// Error is a config mistake at a place in the file.
type Error struct {
	File string
	Line int // 0: unknown
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
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

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse validates config text; path is only used in messages.
func Parse(path string, data []byte) (*Config, error) {
	var f fileT
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		var pe toml.ParseError
		var ppe *toml.ParseError
		if errors.As(err, &ppe) {
			pe = *ppe
		}
		if ppe != nil || errors.As(err, &pe) {
			return nil, &Error{File: path, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
		}
		// Type mismatches come as plain errors: "toml: line 2 (last key
		// "x.y"): incompatible types: ...".
		if m := decodeErrRE.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &Error{File: path, Line: line, Key: m[2], Msg: m[3]}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	lines := newLocator(string(data))
	bad := func(key []string, format string, args ...any) error {
		return &Error{File: path, Line: lines.find(key), Key: strings.Join(key, "."), Msg: fmt.Sprintf(format, args...)}
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := []string(und[0])
		if len(k) >= 3 && k[0] == "session" && k[2] == "env" {
			return nil, bad(k, "env values must be strings")
		}
		return nil, bad(k, "unknown key")
	}
	c := &Config{
		Path:      path,
		Socket:    expandHome(f.Socket),
		StateDir:  expandHome(f.StateDir),
		LogDir:    expandHome(f.LogDir),
		DetachKey: f.DetachKey,
		LogKeep:   10,
		SSH: SSH{
			Listen:         f.SSH.Listen,
			AuthorizedKeys: expandHome(f.SSH.AuthorizedKeys),
			HostKey:        expandHome(f.SSH.HostKey),
		},
	}
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir()
	}
	if c.DetachKey == "" {
		c.DetachKey = `^\`
	}
	if c.SizePolicy, err = ptykeeper.ParseSizePolicy(f.SizePolicy); err != nil {
		return nil, bad([]string{"size_policy"}, "%v", err)
	}
	c.LogMaxSize = 10 << 20
	if f.Logs.MaxSize != "" {
		if c.LogMaxSize, err = parseBytes(f.Logs.MaxSize); err != nil {
			return nil, bad([]string{"logs", "max_size"}, "%v", err)
		}
	}
	if f.Logs.Keep != nil {
		if *f.Logs.Keep < 1 {
			return nil, bad([]string{"logs", "keep"}, "must be at least 1")
		}
		c.LogKeep = *f.Logs.Keep
	}
	names := make([]string, 0, len(f.Session))
	for n := range f.Session {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		spec, err := f.Session[n].spec(n, func(key string, format string, args ...any) error {
			k := []string{"session", n}
			if key != "" {
				k = append(k, strings.Split(key, ".")...)
			}
			return bad(k, format, args...)
		})
		if err != nil {
			return nil, err
		}
		c.Sessions = append(c.Sessions, spec)
	}
	return c, nil
}

func (s session) spec(name string, bad func(key, format string, args ...any) error) (ptykeeper.Spec, error) {
	sp := ptykeeper.Spec{
		Name: name, Dir: expandHome(s.Cwd), InheritEnv: s.InheritEnv, Term: s.Term,
		User: s.User, Group: s.Group, NoFile: s.NoFile,
		Autostart: true, Restart: ptykeeper.RestartAlways, StartSecs: time.Second, StartRetries: 3,
		ExitCodes: s.ExitCodes,
	}
	if err := ptykeeper.ValidateName(name); err != nil {
		return sp, bad("", "%v", err)
	}
	switch c := s.Command.(type) {
	case string:
		argv, err := ptykeeper.SplitCommand(c)
		if err != nil {
			return sp, bad("command", "%v", err)
		}
		sp.Command = argv
	case []any:
		for _, a := range c {
			w, ok := a.(string)
			if !ok {
				return sp, bad("command", "array items must be strings")
			}
			sp.Command = append(sp.Command, w)
		}
		if len(sp.Command) == 0 || sp.Command[0] == "" {
			return sp, bad("command", "is empty")
		}
	case nil:
		return sp, bad("command", "missing: give the program, as a string or an array")
	default:
		return sp, bad("command", "want a string or an array of strings")
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
		sp.Size = sz
	}
	switch u := s.Umask.(type) {
	case nil:
	case string:
		if _, err := strconv.ParseUint(u, 8, 12); err != nil {
			return sp, bad("umask", "%q is not an octal mask like \"022\"", u)
		}
		sp.Umask = u
	case int64:
		if u < 0 || u > 0o777 {
			return sp, bad("umask", "%d out of range (write it as \"022\")", u)
		}
		sp.Umask = strconv.FormatInt(u, 8)
	default:
		return sp, bad("umask", "want an octal string like \"022\"")
	}
	if s.Autostart != nil {
		sp.Autostart = *s.Autostart
	}
	if s.Restart != "" {
		sp.Restart = ptykeeper.RestartPolicy(s.Restart)
		switch sp.Restart {
		case ptykeeper.RestartAlways, ptykeeper.RestartOnFailure, ptykeeper.RestartNever:
		default:
			return sp, bad("restart", "%q: want always, on-failure or never", s.Restart)
		}
	}
	for _, d := range []struct {
		key, v string
		dst    *time.Duration
	}{{"startsecs", s.StartSecs, &sp.StartSecs}, {"stopwait", s.StopWait, &sp.StopWait}, {"backoff.floor", s.Backoff.Floor, &sp.BackoffMin}, {"backoff.cap", s.Backoff.Cap, &sp.BackoffMax}} {
		if d.v == "" {
			continue
		}
		v, err := time.ParseDuration(d.v)
		if err != nil || v < 0 {
			return sp, bad(d.key, "%q is not a duration like \"1s\" or \"500ms\"", d.v)
		}
		*d.dst = v
	}
	if sp.BackoffMin > 0 && sp.BackoffMin < time.Second {
		return sp, bad("backoff.floor", "below 1s would let a crashing program restart in a tight loop")
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
	sp = sp.Defaults()
	if err := sp.Validate(); err != nil {
		return sp, bad("", "%v", err)
	}
	return sp, nil
}

var decodeErrRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

var byteUnits = regexp.MustCompile(`^(\d+)\s*([KMG]i?B?|B)?$`)

func parseBytes(s string) (int64, error) {
	m := byteUnits.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q: want a size like \"10MiB\"", s)
	}
	n, _ := strconv.ParseInt(m[1], 10, 64)
	switch strings.TrimSuffix(strings.TrimSuffix(m[2], "B"), "i") {
	case "K":
		n <<= 10
	case "M":
		n <<= 20
	case "G":
		n <<= 30
	}
	if n < 4096 {
		return 0, fmt.Errorf("%q: too small (at least 4KiB)", s)
	}
	return n, nil
}

func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
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

// locator finds the line of a key in TOML text: the [table] header, then
// the key's assignment inside it. Good enough for messages; 0 if not found.
type locator struct{ lines []string }

func newLocator(text string) locator { return locator{strings.Split(text, "\n")} }

var headerRE = regexp.MustCompile(`^\s*\[\s*([^\]]+?)\s*\]`)

func (l locator) find(key []string) int {
	// The longest table prefix with a header wins, e.g. [session.irc].
	for cut := len(key); cut >= 0; cut-- {
		table := strings.Join(key[:cut], ".")
		start := 0
		if cut > 0 {
			start = -1
			for i, ln := range l.lines {
				if m := headerRE.FindStringSubmatch(ln); m != nil && normalize(m[1]) == table {
					start = i
					break
				}
			}
			if start < 0 {
				continue
			}
		}
		if cut == len(key) {
			return start + 1
		}
		field := key[cut]
		for i := start; i < len(l.lines); i++ {
			ln := l.lines[i]
			if i > start && headerRE.MatchString(ln) && cut > 0 {
				break
			}
			t := strings.TrimSpace(ln)
			if strings.HasPrefix(t, field) && strings.HasPrefix(strings.TrimSpace(t[len(field):]), "=") {
				return i + 1
			}
			if strings.HasPrefix(t, field+".") {
				return i + 1
			}
		}
		return start + 1
	}
	return 0
}

func normalize(h string) string {
	parts := strings.Split(h, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}
