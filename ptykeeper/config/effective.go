// effective.go writes a Config back as TOML with every default filled in
// (`ptykeeper check --effective`): what will run, in a form ptykeeper reads
// back to the same Config.

package config

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"golang.org/x/sys/unix"
)

// WriteTOML writes c as a config file. Reading it back gives c again
// (except Path). A default listen is written as a comment: written out, it
// would make SSH required (see SSH.ListenGiven).
func (c *Config) WriteTOML(w io.Writer) error {
	p := &tomlWriter{w: w}
	src := "no config file: the defaults of `ptykeeper serve`"
	if c.Path != "" {
		src = c.Path
	}
	p.line("# Effective config (%s), every default filled in.", src)
	p.line("# ptykeeper reads this file back as it is.")
	p.kv("socket", quote(c.Socket))
	p.kv("state_dir", quote(c.StateDir))
	p.kvc("log_dir", quote(c.LogDir), "empty: no log files")
	p.kv("detach_key", quote(c.DetachKey.String()))
	p.kv("size_policy", quote(string(c.SizePolicy)))
	p.line("\n[logs]")
	p.kv("max_size", quote(formatBytes(c.LogMaxSize)))
	p.kv("keep", fmt.Sprint(c.LogKeep))
	c.SSH.write(p)
	for _, s := range c.Sessions {
		writeSession(p, s)
	}
	return p.err
}

func (s *SSH) write(p *tomlWriter) {
	p.line("\n[ssh]")
	listen := `"off"`
	if len(s.Listen) > 0 {
		listen = quoteList(s.Listen)
	}
	if s.ListenGiven {
		p.kv("listen", listen)
	} else {
		p.line("# listen = %s   # the default: written out, SSH must start or the daemon stops", listen)
	}
	p.kv("authorized_keys", quote(s.AuthorizedKeys))
	p.kv("host_key", quote(s.HostKey))
	p.kvc("new_sessions_user", quote(s.NewSessionsUser), "empty: `new` over SSH is refused")
	for _, g := range s.Grants {
		p.line("\n[[ssh.grant]]")
		p.kv("key", quote(g.Key))
		if g.Principal != "" {
			p.kv("principal", quote(g.Principal))
		}
		p.kv("allow", quoteList(g.Allow.Names()))
	}
}

var bareKey = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func writeSession(p *tomlWriter, s ptykeeper.Spec) {
	name := s.Name
	if !bareKey.MatchString(name) {
		name = quote(name)
	}
	p.line("\n[session.%s]", name)
	p.kv("command", quoteList(s.Command))
	p.kvc("cwd", quote(s.Dir), "empty: the daemon's")
	var env []string
	for _, kv := range s.Env {
		k, v, _ := strings.Cut(kv, "=")
		env = append(env, quote(k)+" = "+quote(v))
	}
	p.kv("env", "{ "+strings.Join(env, ", ")+" }")
	p.kv("inherit_env", fmt.Sprint(s.InheritEnv))
	p.kv("term", quote(s.Term))
	p.kv("size", quote(s.Size.String()))
	p.kvc("user", quote(s.User), "empty: the daemon's")
	p.kvc("group", quote(s.Group), "empty: the user's")
	if s.Umask != "" {
		p.kv("umask", quote(s.Umask))
	} else {
		p.line("# umask: the daemon's")
	}
	p.kvc("nofile", fmt.Sprint(s.NoFile), "0: the system's")
	p.kv("autostart", fmt.Sprint(s.Autostart))
	p.kv("restart", quote(string(s.Restart)))
	codes := make([]string, len(s.ExitCodes))
	for i, c := range s.ExitCodes {
		codes[i] = fmt.Sprint(c)
	}
	p.kv("exitcodes", "["+strings.Join(codes, ", ")+"]")
	p.kv("startsecs", quote(s.StartSecs.String()))
	p.kv("backoff", fmt.Sprintf("{ floor = %s, cap = %s }", quote(s.BackoffMin.String()), quote(s.BackoffMax.String())))
	p.kv("startretries", fmt.Sprint(s.StartRetries))
	p.kv("stopsignal", quote(strings.TrimPrefix(unix.SignalName(s.StopSignal), "SIG")))
	p.kv("stopwait", quote(s.StopWait.String()))
}

// tomlWriter writes lines and keeps the first error.
type tomlWriter struct {
	w   io.Writer
	err error
}

func (p *tomlWriter) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *tomlWriter) kv(key, value string) { p.line("%s = %s", key, value) }

func (p *tomlWriter) kvc(key, value, comment string) { p.line("%s = %s   # %s", key, value, comment) }

// quote writes a TOML basic string.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func quoteList(l []string) string {
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = quote(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func formatBytes(n int64) string {
	for _, u := range []struct {
		unit string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n%u.size == 0 {
			return fmt.Sprintf("%d%s", n/u.size, u.unit)
		}
	}
	return fmt.Sprintf("%dB", n)
}
