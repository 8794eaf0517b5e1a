// Over SSH: OpenSSH's ssh client against ptykeeper's embedded sshd and
// against OpenSSH's sshd (running the program directly, or tmux attach).
package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// sshTools compares ptykeeper's SSH attach ("ptykeeper") with what a user
// has without it: OpenSSH's sshd running the program under its own PTY
// ("sshd"), or running "tmux attach" to the program kept by tmux
// ("sshd+tmux"). The client is always OpenSSH's ssh -tt, on loopback.
func sshTools(dir string) []tool {
	check(os.MkdirAll("/run/sshd", 0o755))
	key := filepath.Join(dir, "id")
	run := func(name string, args ...string) {
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			check(fmt.Errorf("%s: %v %s", name, err, out))
		}
	}
	if _, err := os.Stat(key); err != nil {
		run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key)
		run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, "hostkey"))
		pub, _ := os.ReadFile(key + ".pub")
		check(os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600))
	}
	sshArgs := func(port string, cmd ...string) []string {
		return append([]string{"-tt", "-p", port, "-i", key, "-F", "/dev/null", "-o", "StrictHostKeyChecking=no",
			"-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "127.0.0.1"}, cmd...)
	}
	// OpenSSH's sshd, shared by the two tools that use it.
	var sshd *exec.Cmd
	sshdPort := freePort()
	conf := filepath.Join(dir, "sshd_config")
	check(os.WriteFile(conf, []byte(fmt.Sprintf("Port %s\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\nUsePAM no\nStrictModes no\nPermitRootLogin yes\n",
		sshdPort, filepath.Join(dir, "hostkey"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"))), 0o600))
	startSSHD := func() {
		if sshd == nil {
			if _, err := os.Stat("/usr/sbin/sshd"); err != nil {
				check(fmt.Errorf("OpenSSH's sshd is needed for the ssh comparison: apt-get install openssh-server"))
			}
			sshd = exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", conf)
			check(sshd.Start())
			waitPort(sshdPort)
		}
	}
	stopSSHD := func() {
		if sshd != nil {
			sshd.Process.Kill() // the listener; each connection's sshd ends with its client
			sshd.Wait()
			sshd = nil
		}
	}
	programs := map[string][]string{}
	openssh := tool{
		name: "sshd",
		start: func(name string, argv ...string) {
			programs[name] = argv
			startSSHD()
		},
		attach: func(name string) *exec.Cmd { return exec.Command("ssh", sshArgs(sshdPort, programs[name]...)...) },
		pids:   func() []int { return nil }, // no daemon: each connection has its own sshd
		stop:   stopSSHD,
	}
	tsock := filepath.Join(dir, "sshtmux.sock")
	var local tool
	for _, t := range tools(dir) {
		if t.name == "tmux" {
			local = t
		}
	}
	sshTmux := tool{
		name: "sshd+tmux",
		start: func(name string, argv ...string) {
			mustRun(exec.Command("tmux", "-S", tsock, "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", strings.Join(argv, " ")))
			startSSHD()
		},
		attach: func(name string) *exec.Cmd {
			return exec.Command("ssh", sshArgs(sshdPort, "tmux", "-S", tsock, "attach", "-t", name)...)
		},
		pids: local.pids,
		stop: func() {
			stopTmux(tsock)
			stopSSHD()
		},
	}
	// ptykeeper's SSH server.
	var daemon *exec.Cmd
	pkPort := freePort()
	sock := filepath.Join(dir, "pkssh.sock")
	pkConf := filepath.Join(dir, "pk.toml")
	check(os.WriteFile(pkConf, []byte(fmt.Sprintf("state_dir = %q\n[ssh]\nlisten = \"127.0.0.1:%s\"\nauthorized_keys = %q\n", filepath.Join(dir, "pkstate"), pkPort, filepath.Join(dir, "authorized_keys"))), 0o600))
	// HOME is the temporary directory: the daemon's OpenSSH-style file
	// checks stop at the user's home, and /tmp above it is writable by all.
	env := append(os.Environ(), "PTYKEEPER_SOCKET="+sock, "HOME="+dir)
	ptk := tool{
		name: "ptykeeper",
		start: func(name string, argv ...string) {
			if daemon == nil {
				daemon = exec.Command(*pk, "serve", "-c", pkConf, "--session", name+"="+strings.Join(argv, " "))
				daemon.Env = env
				check(daemon.Start())
				waitPort(pkPort)
			} else {
				c := exec.Command(*pk, append([]string{"new", name, "--"}, argv...)...)
				c.Env = env
				check(c.Run())
			}
			waitRunning(env, name)
		},
		attach: func(name string) *exec.Cmd { return exec.Command("ssh", sshArgs(pkPort, "attach", name)...) },
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
		},
	}
	return []tool{ptk, sshTmux, openssh}
}

// freePort is a loopback TCP port nobody listens on now. Another process may
// take it before we do; the tests then fail loudly in waitPort's caller.
func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

func waitPort(port string) {
	for i := 0; i < 500; i++ {
		if c, err := net.Dial("tcp", "127.0.0.1:"+port); err == nil {
			c.Close()
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	check(fmt.Errorf("port %s never opened", port))
}

func sshBench(dir, self string) {
	res := map[string][]float64{}
	p50s, p99s := map[string][]float64{}, map[string][]float64{}
	var ts []tool // the program directly under sshd: what the issue compares with
	for _, t := range sshTools(dir) {
		if t.name != "sshd+tmux" {
			ts = append(ts, t)
		}
	}
	for round := 0; round < roundsOr(5); round++ {
		for _, t := range ts {
			res[t.name] = append(res[t.name], throughput(t, self, 1))
			p50, p99 := latency(t, self)
			p50s[t.name] = append(p50s[t.name], p50)
			p99s[t.name] = append(p99s[t.name], p99)
		}
	}
	for _, t := range ts {
		fmt.Printf("over ssh: %-9s throughput median %6.1f MB/s (runs %s)  echo p50 %5.0fµs p99 %5.0fµs (median of runs; p99 runs %s)\n",
			t.name, median(res[t.name]), fmtRuns(res[t.name]), median(p50s[t.name]), median(p99s[t.name]), fmtRuns(p99s[t.name]))
	}
	fmt.Printf("over ssh: ptykeeper/sshd median of per-round ratios: throughput %.2f, echo p50 %.2f, p99 %.2f\n",
		pairedRatio(res["ptykeeper"], res["sshd"]), pairedRatio(p50s["ptykeeper"], p50s["sshd"]), pairedRatio(p99s["ptykeeper"], p99s["sshd"]))
}
