// Package config reads ptykeeper's TOML config file into session specs and
// daemon settings, on top of the defaults (defaults.go). Every mistake is
// reported with the file, line and key: unknown keys, wrong types and bad
// values alike.
//
// config.go owns the Config type and the file's top level; session.go the
// [session.NAME] tables, ssh.go the [ssh] table, effective.go the way back
// to TOML, locate.go finding a key's line.
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

	"github.com/BurntSushi/toml"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
)

// Config is a validated config: a file's settings over Default().
type Config struct {
	Path       string // the file; "" for Default()
	Socket     string
	StateDir   string
	LogDir     string // empty: no log files
	DetachKey  ctl.DetachKey
	SizePolicy ptykeeper.SizePolicy
	LogMaxSize int64 // bytes per log file before rotation
	LogKeep    int   // rotated files kept
	SSH        SSH
	Sessions   []ptykeeper.Spec // sorted by name
}

type fileT struct {
	Socket     string             `toml:"socket"`
	StateDir   string             `toml:"state_dir"`
	LogDir     string             `toml:"log_dir"`
	DetachKey  *string            `toml:"detach_key"`
	SizePolicy string             `toml:"size_policy"`
	Logs       logsT              `toml:"logs"`
	SSH        sshT               `toml:"ssh"`
	Session    map[string]session `toml:"session"`
}

type logsT struct {
	MaxSize string `toml:"max_size"`
	Keep    *int   `toml:"keep"`
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

// Load reads and validates the file at path.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// badFunc reports a mistake at a key.
type badFunc func(key []string, format string, args ...any) error

// Parse validates config text; path is only used in messages.
func Parse(path string, data []byte) (*Config, error) {
	var f fileT
	md, err := toml.Decode(string(data), &f)
	if err != nil {
		return nil, decodeError(path, err)
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
		if len(k) == 3 && k[0] == "ssh" && k[1] == "grant" {
			return nil, &Error{File: path, Line: lines.findArrayField(k[:2], k[2]), Key: strings.Join(k, "."), Msg: "unknown key (a grant has key, principal and allow)"}
		}
		return nil, bad(k, "unknown key")
	}
	c := Default()
	c.Path = path
	if err := f.apply(c, bad); err != nil {
		return nil, err
	}
	if err := f.SSH.apply(&c.SSH, c.StateDir, lines, path, bad); err != nil {
		return nil, err
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

// apply sets the top-level settings the file gives.
func (f *fileT) apply(c *Config, bad badFunc) error {
	if f.Socket != "" {
		c.Socket = expandHome(f.Socket)
	}
	if f.StateDir != "" {
		c.StateDir = expandHome(f.StateDir)
		c.SSH.HostKey = filepath.Join(c.StateDir, hostKeyName)
	}
	c.LogDir = expandHome(f.LogDir)
	if f.DetachKey != nil {
		k, err := ctl.ParseDetachKey(*f.DetachKey)
		if err != nil {
			return bad([]string{"detach_key"}, "%v", err)
		}
		c.DetachKey = k
	}
	var err error
	if c.SizePolicy, err = ptykeeper.ParseSizePolicy(f.SizePolicy); err != nil {
		return bad([]string{"size_policy"}, "%v", err)
	}
	if f.Logs.MaxSize != "" {
		if c.LogMaxSize, err = parseBytes(f.Logs.MaxSize); err != nil {
			return bad([]string{"logs", "max_size"}, "%v", err)
		}
	}
	if f.Logs.Keep != nil {
		if *f.Logs.Keep < 1 {
			return bad([]string{"logs", "keep"}, "must be at least 1")
		}
		c.LogKeep = *f.Logs.Keep
	}
	return nil
}

var decodeErrRE = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// decodeError turns the TOML library's errors into ours.
func decodeError(path string, err error) error {
	var pe toml.ParseError
	var ppe *toml.ParseError
	if errors.As(err, &ppe) {
		pe = *ppe
	}
	if ppe != nil || errors.As(err, &pe) {
		return &Error{File: path, Line: pe.Position.Line, Key: pe.LastKey, Msg: pe.Message}
	}
	// Type mismatches come as plain errors: "toml: line 2 (last key
	// "x.y"): incompatible types: ...".
	if m := decodeErrRE.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: path, Line: line, Key: m[2], Msg: m[3]}
	}
	return &Error{File: path, Msg: err.Error()}
}

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
