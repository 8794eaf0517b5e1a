// The compared tools: how each one runs a program detached, attaches a
// client, names the processes that are its cost, and stops.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// tool knows how to run a program under one of the compared tools and
// attach a client to it.
type tool struct {
	name      string
	start     func(name string, argv ...string)    // run a program detached
	startMany func(names []string, argv ...string) // run one program per name, as fast as the tool allows
	attach    func(name string) *exec.Cmd          // the client command
	pids      func() []int                         // the daemon processes: what wake-ups and memory are counted of
	stop      func()                               // stop the daemon and every program under it
}

func tools(dir string) []tool {
	sock := filepath.Join(dir, "pk.sock")
	var daemon *exec.Cmd
	pkEnv := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	serve := func(args ...string) {
		daemon = exec.Command(*pk, append([]string{"serve", "--ssh-listen", "off"}, args...)...)
		daemon.Env = pkEnv
		check(daemon.Start())
		waitFile(sock)
	}
	ptk := tool{
		name: "ptykeeper",
		start: func(name string, argv ...string) {
			if daemon == nil {
				serve("--session", name+"="+strings.Join(argv, " "))
			} else {
				c := exec.Command(*pk, append([]string{"new", name, "--"}, argv...)...)
				c.Env = pkEnv
				check(c.Run())
			}
			waitRunning(pkEnv, name)
		},
		startMany: func(names []string, argv ...string) { // one config file: the way a user keeps many
			var conf strings.Builder
			fmt.Fprintf(&conf, "state_dir = %q\n[ssh]\nlisten = \"off\"\n", filepath.Join(dir, "pkstate"))
			for _, n := range names {
				fmt.Fprintf(&conf, "[session.%s]\ncommand = %s\n", n, tomlStrings(argv))
			}
			path := filepath.Join(dir, "many.toml")
			check(os.WriteFile(path, []byte(conf.String()), 0o600))
			serve("-c", path)
		},
		attach: func(name string) *exec.Cmd {
			c := exec.Command(*pk, "attach", name)
			c.Env = pkEnv
			return c
		},
		pids: func() []int {
			if daemon == nil {
				return nil
			}
			return []int{daemon.Process.Pid}
		},
		stop: func() {
			if daemon != nil {
				stopDaemon(daemon)
				daemon = nil
			}
			os.Remove(sock)
		},
	}
	dtachSock := func(name string) string { return filepath.Join(dir, name+".dtach") }
	dt := tool{
		name: "dtach",
		start: func(name string, argv ...string) {
			mustRun(exec.Command("dtach", append([]string{"-n", dtachSock(name), "-E", "-r", "none"}, argv...)...))
		},
		attach: func(name string) *exec.Cmd {
			return exec.Command("dtach", "-a", dtachSock(name), "-E", "-r", "none")
		},
		pids: func() []int { return findProcs("dtach", "-n", dir) },
		stop: func() {
			for _, pid := range findProcs("dtach", "-n", dir) {
				syscall.Kill(pid, syscall.SIGTERM) // dtach hangs up its program's terminal on the way out
			}
			waitGone(func() []int { return findProcs("dtach", "-n", dir) })
		},
	}
	dt.startMany = func(names []string, argv ...string) {
		for _, n := range names {
			dt.start(n, argv...)
		}
	}
	tsock := filepath.Join(dir, "tmux.sock")
	tmux := func(args ...string) *exec.Cmd {
		return exec.Command("tmux", append([]string{"-S", tsock, "-f", "/dev/null"}, args...)...)
	}
	tm := tool{
		name: "tmux",
		start: func(name string, argv ...string) {
			mustRun(tmux("new-session", "-d", "-s", name, "-x", "80", "-y", "24", strings.Join(argv, " ")))
		},
		startMany: func(names []string, argv ...string) { // one session, a window each: one command
			args := []string{"new-session", "-d", "-s", "many", "-x", "80", "-y", "24", strings.Join(argv, " ")}
			for range names[1:] {
				args = append(args, ";", "new-window", "-d", "-t", "many", strings.Join(argv, " "))
			}
			mustRun(tmux(args...))
		},
		attach: func(name string) *exec.Cmd { return tmux("attach", "-t", name) },
		pids: func() []int {
			out, err := tmux("display", "-p", "#{pid}").Output()
			pid, _ := strconv.Atoi(strings.TrimSpace(string(out)))
			if err != nil || pid == 0 {
				return nil
			}
			return []int{pid}
		},
		stop: func() { stopTmux(tsock) },
	}
	var out []tool
	for _, t := range []tool{ptk, dt, tm} {
		if strings.Contains(","+*toolsFlag+",", ","+t.name+",") {
			out = append(out, t)
		}
	}
	return out
}

// waitRunning polls until the session's program has been started. The
// daemon answers on its socket before it has started the sessions of its
// command line, and an attach then is told the session is STOPPED.
func waitRunning(env []string, name string) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		c := exec.Command(*pk, "status", "--json", name)
		c.Env = env
		out, _ := c.Output()
		if bytes.Contains(out, []byte(`"pid":`)) {
			return
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("session %s not started within 10 s: %s", name, out))
		}
	}
}

// daemonStopWait bounds a ptykeeper daemon's shutdown. Longer is reported:
// a user's systemctl stop would wait as long.
const daemonStopWait = 10 * time.Second

// stopDaemon stops a ptykeeper daemon with SIGTERM, as systemd does, and
// kills it if it has not exited after daemonStopWait.
func stopDaemon(d *exec.Cmd) {
	d.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { d.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(daemonStopWait):
		fmt.Fprintf(os.Stderr, "ptykeeper: daemon still running %v after SIGTERM: killed\n", daemonStopWait)
		d.Process.Kill()
		<-exited
	}
}

// stopTmux kills the tmux server on socket and waits until it has gone: a
// new server started while the old one is still exiting fails.
func stopTmux(socket string) {
	server := findProcs("tmux: server", socket)
	exec.Command("tmux", "-S", socket, "kill-server").Run()
	waitGone(func() []int {
		var alive []int
		for _, pid := range server {
			if syscall.Kill(pid, 0) == nil {
				alive = append(alive, pid)
			}
		}
		return alive
	})
	os.Remove(socket)
}

// mustRun runs c and exits, with its output, if it fails.
func mustRun(c *exec.Cmd) {
	if out, err := c.CombinedOutput(); err != nil {
		check(fmt.Errorf("%s: %w: %s", strings.Join(c.Args, " "), err, bytes.TrimSpace(out)))
	}
}

// tomlStrings writes argv as a TOML array of strings.
func tomlStrings(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = strconv.Quote(a)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// findProcs lists the processes whose command is name ("": any) and whose
// command line (arguments separated by NUL bytes) holds every one of args:
// dtach's daemons by their socket directory, programs by their tag.
func findProcs(name string, args ...string) []int {
	var pids []int
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err != nil || name != "" && strings.TrimSpace(string(comm)) != name {
			continue
		}
		cmdline, _ := os.ReadFile(d + "/cmdline")
		ok := true
		for _, a := range args {
			ok = ok && bytes.Contains(cmdline, []byte(a))
		}
		if pid, _ := strconv.Atoi(filepath.Base(d)); ok && pid != 0 {
			pids = append(pids, pid)
		}
	}
	return pids
}

// waitGone polls until list is empty, up to 5 s.
func waitGone(list func() []int) {
	for deadline := time.Now().Add(5 * time.Second); len(list()) > 0 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
}

func waitFile(p string) {
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(p); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	check(fmt.Errorf("%s never appeared", p))
}
