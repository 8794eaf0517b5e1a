// Command termbench measures ptykeeper against dtach and tmux the way a user
// runs them: a client attached in a real PTY, a program printing 64 MiB of
// text lines (throughput), a raw-mode echo program typed into one byte at a
// time (latency), the time until a repainted screen is visible after attach
// starts, the daemon's memory, and its wake-ups while idle.
//
// Run it through bench/run.sh, which builds ptykeeper first.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"
)

var (
	pk          = flag.String("ptykeeper", "ptykeeper", "ptykeeper binary")
	floodMB     = flag.Int("mb", 64, "MiB of output for the throughput test")
	keys        = flag.Int("keys", 500, "keystrokes for the latency test")
	only        = flag.String("only", "", "run only: throughput, latency, repaint, memory, idle, ssh (ssh runs only when asked)")
	rounds      = flag.Int("rounds", 5, "throughput runs per tool (median reported)")
	clientsFlag = flag.String("clients", "1,10", "client counts for the throughput test")
	toolsFlag   = flag.String("tools", "ptykeeper,dtach,tmux", "tools to compare")
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "gen" {
		gen(os.Args[2:])
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "echo" {
		echo()
		return
	}
	flag.Parse()
	dir, err := os.MkdirTemp("", "tb")
	check(err)
	defer os.RemoveAll(dir)
	self, _ := os.Executable()
	want := func(s string) bool { return *only == "" || *only == s }
	if want("throughput") {
		for _, cs := range strings.Split(*clientsFlag, ",") {
			clients, _ := strconv.Atoi(cs)
			res := map[string][]float64{}
			for round := 0; round < *rounds; round++ {
				for _, t := range tools(dir) { // interleaved: machine noise hits all alike
					res[t.name] = append(res[t.name], throughput(t, self, clients))
				}
			}
			for _, t := range tools(dir) {
				fmt.Printf("throughput %-9s %2d client(s): median %6.1f MB/s  runs %s\n", t.name, clients, median(res[t.name]), fmtRuns(res[t.name]))
			}
			fmt.Printf("throughput %2d client(s): ptykeeper/dtach median of per-round ratios %.2f, ptykeeper/tmux %.2f\n", clients, pairedRatio(res["ptykeeper"], res["dtach"]), pairedRatio(res["ptykeeper"], res["tmux"]))
		}
	}
	if want("latency") {
		p50s, p99s := map[string][]float64{}, map[string][]float64{}
		for round := 0; round < *rounds; round++ {
			for _, t := range tools(dir) {
				p50, p99 := latency(t, self)
				p50s[t.name] = append(p50s[t.name], p50)
				p99s[t.name] = append(p99s[t.name], p99)
			}
		}
		for _, t := range tools(dir) {
			fmt.Printf("echo latency %-9s median p50 %5.0fµs  p99 %5.0fµs   runs p50 %s  p99 %s (µs, %d keys each)\n", t.name,
				median(p50s[t.name]), median(p99s[t.name]), fmtRuns(p50s[t.name]), fmtRuns(p99s[t.name]), *keys)
		}
		fmt.Printf("echo latency: per-round ratios: ptykeeper/dtach p50 %.2f, ptykeeper/tmux p99 %.2f\n", pairedRatio(p50s["ptykeeper"], p50s["dtach"]), pairedRatio(p99s["ptykeeper"], p99s["tmux"]))
	}
	if *only == "ssh" {
		sshBench(dir, self)
	}
	if want("repaint") {
		fmt.Printf("repaint visible after attach start: %s\n", repaint(dir, self))
	}
	if want("memory") {
		memory(dir, self)
	}
	if want("idle") {
		idle(dir, self)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "termbench:", err)
		os.Exit(1)
	}
}

// gen waits for a key, then prints N MiB of numbered lines and a marker.
func gen(args []string) {
	mb, _ := strconv.Atoi(args[0])
	old, _ := term.MakeRaw(0)
	fmt.Print("press a key\r\n")
	os.Stdin.Read(make([]byte, 1))
	term.Restore(0, old)
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	total := mb << 20
	for i := 0; total > 0; i++ {
		n, _ := fmt.Fprintf(w, "line %08d the quick brown fox jumps over the lazy dog 0123456789\n", i)
		total -= n
	}
	w.WriteString("FLOOD-END\n")
	w.Flush()
	time.Sleep(time.Hour)
}

// echo echoes every byte in raw mode.
func echo() {
	term.MakeRaw(0)
	fmt.Print("echo-ready\r\n")
	buf := make([]byte, 64)
	for {
		n, err := os.Stdin.Read(buf)
		if err != nil {
			return
		}
		os.Stdout.Write(buf[:n])
	}
}

// tool knows how to run a program under one of the compared tools and
// attach a client to it.
type tool struct {
	name   string
	start  func(name string, argv ...string) // run a program detached
	attach func(name string) *exec.Cmd       // the client command
	stop   func()
}

func tools(dir string) []tool {
	sock := filepath.Join(dir, "pk.sock")
	var daemon *exec.Cmd
	pkEnv := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	ptk := tool{
		name: "ptykeeper",
		start: func(name string, argv ...string) {
			if daemon == nil {
				daemon = exec.Command(*pk, "serve", "--session", name+"="+strings.Join(argv, " "))
				daemon.Env = pkEnv
				check(daemon.Start())
				waitFile(sock)
				return
			}
			c := exec.Command(*pk, append([]string{"new", name, "--"}, argv...)...)
			c.Env = pkEnv
			check(c.Run())
		},
		attach: func(name string) *exec.Cmd {
			c := exec.Command(*pk, "attach", name)
			c.Env = pkEnv
			return c
		},
		stop: func() {
			if daemon != nil {
				daemon.Process.Signal(syscall.SIGTERM)
				daemon.Wait()
				daemon = nil
			}
		},
	}
	dt := tool{
		name: "dtach",
		start: func(name string, argv ...string) {
			check(exec.Command("dtach", append([]string{"-n", filepath.Join(dir, name+".dtach"), "-E", "-r", "none"}, argv...)...).Run())
		},
		attach: func(name string) *exec.Cmd {
			return exec.Command("dtach", "-a", filepath.Join(dir, name+".dtach"), "-E", "-r", "none")
		},
		stop: func() { exec.Command("pkill", "-f", "dtach -n "+dir).Run() },
	}
	tsock := filepath.Join(dir, "tmux.sock")
	tm := tool{
		name: "tmux",
		start: func(name string, argv ...string) {
			check(exec.Command("tmux", "-S", tsock, "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "80", "-y", "24", strings.Join(argv, " ")).Run())
		},
		attach: func(name string) *exec.Cmd {
			return exec.Command("tmux", "-S", tsock, "attach", "-t", name)
		},
		stop: func() { exec.Command("tmux", "-S", tsock, "kill-server").Run() },
	}
	var out []tool
	for _, t := range []tool{ptk, dt, tm} {
		if strings.Contains(","+*toolsFlag+",", ","+t.name+",") {
			out = append(out, t)
		}
	}
	return out
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

// client is a command attached in a PTY of its own, as in a terminal. A
// goroutine reads the PTY (creack/pty's master ignores read deadlines).
type client struct {
	cmd *exec.Cmd
	pty *os.File
	out chan []byte
}

func startClient(c *exec.Cmd) *client {
	c.Env = append(c.Env, "TERM=xterm-256color")
	if c.Env[0] == "TERM=xterm-256color" {
		c.Env = append(os.Environ(), c.Env...)
	}
	p, err := pty.StartWithSize(c, &pty.Winsize{Cols: 80, Rows: 24})
	check(err)
	cl := &client{cmd: c, pty: p, out: make(chan []byte, 1024)}
	go func() {
		defer close(cl.out)
		buf := make([]byte, 64<<10)
		for {
			n, err := p.Read(buf)
			if n > 0 {
				cl.out <- bytes.Clone(buf[:n]) // only what was read: little garbage
			}
			if err != nil {
				return
			}
		}
	}()
	return cl
}

func (c *client) close() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
	c.pty.Close()
}

// readUntil reads the client's terminal until marker shows up.
func (c *client) readUntil(marker []byte, timeout time.Duration) error {
	deadline := time.After(timeout)
	var tail []byte
	for {
		select {
		case b, ok := <-c.out:
			if !ok {
				return fmt.Errorf("client exited")
			}
			tail = append(tail, b...)
			if bytes.Contains(tail, marker) {
				return nil
			}
			if len(tail) > 4096 {
				tail = append(tail[:0], tail[len(tail)-len(marker):]...)
			}
		case <-deadline:
			return fmt.Errorf("timed out waiting for %q", marker)
		}
	}
}

func (c *client) drain() {
	go func() {
		for range c.out {
		}
	}()
}

// pairedRatio is the median of a[i]/b[i]: runs of the same round are close
// in time, so the machine's slow and fast phases cancel out.
func pairedRatio(a, b []float64) float64 {
	var r []float64
	for i := range min(len(a), len(b)) {
		if a[i] > 0 && b[i] > 0 {
			r = append(r, a[i]/b[i])
		}
	}
	return median(r)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func fmtRuns(v []float64) string {
	var parts []string
	for _, x := range v {
		parts = append(parts, fmt.Sprintf("%.0f", x))
	}
	return strings.Join(parts, " ")
}

// throughput returns MB/s seen by one attached client (0 on failure).
func throughput(t tool, self string, clients int) float64 {
	defer t.stop()
	t.start("flood", self, "gen", strconv.Itoa(*floodMB))
	time.Sleep(200 * time.Millisecond)
	main := startClient(t.attach("flood"))
	defer main.close()
	// dtach does not redraw: the prompt may have gone by already.
	main.readUntil([]byte("press a key"), time.Second)
	for i := 1; i < clients; i++ {
		o := startClient(t.attach("flood"))
		defer o.close()
		o.drain()
	}
	time.Sleep(300 * time.Millisecond)
	cpuBefore := cpuByCommand()
	start := time.Now()
	main.pty.Write([]byte("g"))
	if err := main.readUntil([]byte("FLOOD-END"), 30*time.Second); err != nil {
		fmt.Fprintf(os.Stderr, "throughput %s: %v\n", t.name, err)
		return 0
	}
	d := time.Since(start)
	if os.Getenv("TB_CPU") != "" {
		after := cpuByCommand()
		var parts []string
		for name, v := range after {
			if d := v - cpuBefore[name]; d > 0 {
				parts = append(parts, fmt.Sprintf("%s %v", name, d))
			}
		}
		sort.Strings(parts)
		fmt.Fprintf(os.Stderr, "%s: %.1f MB/s, cpu during the run: %s\n", t.name, float64(*floodMB<<20)/d.Seconds()/1e6, strings.Join(parts, ", "))
	}
	return float64(*floodMB<<20) / d.Seconds() / 1e6
}

// latency returns p50 and p99 round trips in µs (0 on failure).
func latency(t tool, self string) (p50, p99 float64) {
	defer t.stop()
	t.start("echo", self, "echo")
	time.Sleep(200 * time.Millisecond)
	c := startClient(t.attach("echo"))
	defer c.close()
	term.MakeRaw(int(c.pty.Fd()))                  // our side of the client's terminal: no echo of our own
	c.readUntil([]byte("echo-ready"), time.Second) // dtach does not redraw: may be gone by
	time.Sleep(300 * time.Millisecond)
	c.drainPending()
	var ds []time.Duration
	for i := 0; i < *keys; i++ {
		k := byte('a' + i%26)
		start := time.Now()
		c.pty.Write([]byte{k})
		if err := c.readUntil([]byte{k}, 5*time.Second); err != nil {
			fmt.Fprintf(os.Stderr, "latency %s: %v\n", t.name, err)
			return 0, 0
		}
		ds = append(ds, time.Since(start))
		time.Sleep(2 * time.Millisecond)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	p := func(q float64) float64 { return float64(ds[int(q*float64(len(ds)-1))]) / 1e3 }
	return p(0.50), p(0.99)
}

func (c *client) drainPending() {
	for {
		select {
		case <-c.out:
		case <-time.After(50 * time.Millisecond):
			return
		}
	}
}

// repaint measures from starting 'ptykeeper attach' to the screen's last
// row being visible in the client's terminal, over 20 attaches.
func repaint(dir, self string) string {
	sock := filepath.Join(dir, "rp.sock")
	env := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	d := exec.Command(*pk, "serve", "--session", "tui=vim -u NONE -N +help +only")
	d.Env = env
	check(d.Start())
	defer func() { d.Process.Signal(syscall.SIGTERM); d.Wait() }()
	waitFile(sock)
	time.Sleep(time.Second)
	var ds []time.Duration
	for i := 0; i < 20; i++ {
		c := exec.Command(*pk, "attach", "tui")
		c.Env = env
		start := time.Now()
		cl := startClient(c)
		if err := cl.readUntil([]byte("\x1b[?25h"), 5*time.Second); err != nil { // the repaint's last sequence
			cl.close()
			return "failed: " + err.Error()
		}
		ds = append(ds, time.Since(start))
		cl.close()
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return fmt.Sprintf("median %v, max %v (vim showing :help, 80x24, 20 attaches, including the client's own start)", ds[len(ds)/2].Round(10*time.Microsecond), ds[len(ds)-1].Round(10*time.Microsecond))
}

func rss(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			f := strings.Fields(l)
			kb, _ := strconv.Atoi(f[1])
			return kb
		}
	}
	return 0
}

// memory: RSS with one session, then with 11 sessions each holding 10,000
// lines of history.
func memory(dir, self string) {
	sock := filepath.Join(dir, "mem.sock")
	env := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	d := exec.Command(*pk, "serve", "--session", "s0=sleep 3600")
	d.Env = env
	check(d.Start())
	defer func() { d.Process.Signal(syscall.SIGTERM); d.Wait() }()
	waitFile(sock)
	time.Sleep(3 * time.Second)
	one := rss(d.Process.Pid)
	fmt.Printf("memory: RSS with one session: %.1f MiB\n", float64(one)/1024)
	const n = 10
	for i := 1; i <= n; i++ {
		c := exec.Command(*pk, "new", fmt.Sprintf("s%d", i), "--", "sh", "-c", `i=0; while [ $i -lt 10000 ]; do echo "line $i of a session's history, as a chat client or a log tail prints it"; i=$((i+1)); done; exec sleep 3600`)
		c.Env = env
		check(c.Run())
	}
	time.Sleep(13 * time.Second) // history compacts 2 s after output pauses; memory goes back at most every 10 s
	all := rss(d.Process.Pid)
	fmt.Printf("memory: RSS with %d more sessions of 10,000 lines each: %.1f MiB, %.2f MiB per session\n", n, float64(all)/1024, float64(all-one)/1024/n)
}

func ctxSwitches(pid int) int {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	total := 0
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasSuffix(strings.Fields(l + " x")[0], "ctxt_switches:") {
				v, _ := strconv.Atoi(strings.Fields(l)[1])
				total += v
			}
		}
	}
	return total
}

// idle counts the daemon's context switches (wake-ups) over 10 s with an
// idle program, not attached, then attached.
func idle(dir, self string) {
	sock := filepath.Join(dir, "idle.sock")
	env := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	d := exec.Command(*pk, "serve", "--session", "s=sleep 3600")
	d.Env = env
	check(d.Start())
	defer func() { d.Process.Signal(syscall.SIGTERM); d.Wait() }()
	waitFile(sock)
	time.Sleep(3 * time.Second)
	a := ctxSwitches(d.Process.Pid)
	time.Sleep(10 * time.Second)
	b := ctxSwitches(d.Process.Pid)
	fmt.Printf("idle: %d wake-ups in 10 s, nobody attached\n", b-a)
	c := exec.Command(*pk, "attach", "s")
	c.Env = env
	cl := startClient(c)
	defer cl.close()
	cl.drain()
	time.Sleep(3 * time.Second)
	a = ctxSwitches(d.Process.Pid)
	time.Sleep(10 * time.Second)
	b = ctxSwitches(d.Process.Pid)
	fmt.Printf("idle: %d wake-ups in 10 s, one client attached\n", b-a)
}

// sshTools compares ptykeeper's SSH attach with OpenSSH's sshd running the
// program under its own PTY: what a user has without ptykeeper.
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
	// OpenSSH's sshd.
	var sshd *exec.Cmd
	programs := map[string][]string{}
	const sshdPort = "22922"
	conf := filepath.Join(dir, "sshd_config")
	check(os.WriteFile(conf, []byte(fmt.Sprintf("Port %s\nListenAddress 127.0.0.1\nHostKey %s\nAuthorizedKeysFile %s\nPidFile %s\nUsePAM no\nStrictModes no\nPermitRootLogin yes\n",
		sshdPort, filepath.Join(dir, "hostkey"), filepath.Join(dir, "authorized_keys"), filepath.Join(dir, "sshd.pid"))), 0o600))
	openssh := tool{
		name: "sshd",
		start: func(name string, argv ...string) {
			programs[name] = argv
			if sshd == nil {
				sshd = exec.Command("/usr/sbin/sshd", "-D", "-e", "-f", conf)
				check(sshd.Start())
				waitPort(sshdPort)
			}
		},
		attach: func(name string) *exec.Cmd { return exec.Command("ssh", sshArgs(sshdPort, programs[name]...)...) },
		stop: func() {
			if sshd != nil {
				sshd.Process.Kill()
				sshd.Wait()
				sshd = nil
			}
		},
	}
	// ptykeeper's SSH server.
	var daemon *exec.Cmd
	const pkPort = "22923"
	sock := filepath.Join(dir, "pkssh.sock")
	pkConf := filepath.Join(dir, "pk.toml")
	check(os.WriteFile(pkConf, []byte(fmt.Sprintf("state_dir = %q\n[ssh]\nlisten = \"127.0.0.1:%s\"\nauthorized_keys = %q\n", filepath.Join(dir, "pkstate"), pkPort, filepath.Join(dir, "authorized_keys"))), 0o600))
	env := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	ptk := tool{
		name: "ptykeeper",
		start: func(name string, argv ...string) {
			if daemon == nil {
				daemon = exec.Command(*pk, "serve", "-c", pkConf, "--session", name+"="+strings.Join(argv, " "))
				daemon.Env = env
				check(daemon.Start())
				waitPort(pkPort)
				return
			}
			c := exec.Command(*pk, append([]string{"new", name, "--"}, argv...)...)
			c.Env = env
			check(c.Run())
		},
		attach: func(name string) *exec.Cmd { return exec.Command("ssh", sshArgs(pkPort, "attach", name)...) },
		stop: func() {
			if daemon != nil {
				daemon.Process.Signal(syscall.SIGTERM)
				daemon.Wait()
				daemon = nil
			}
		},
	}
	return []tool{ptk, openssh}
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
	for round := 0; round < *rounds; round++ {
		for _, t := range sshTools(dir) {
			res[t.name] = append(res[t.name], throughput(t, self, 1))
			p50, p99 := latency(t, self)
			p50s[t.name] = append(p50s[t.name], p50)
			p99s[t.name] = append(p99s[t.name], p99)
		}
	}
	for _, t := range sshTools(dir) {
		fmt.Printf("over ssh: %-9s throughput median %6.1f MB/s (runs %s)  echo p50 %5.0fµs p99 %5.0fµs (median of runs; p99 runs %s)\n",
			t.name, median(res[t.name]), fmtRuns(res[t.name]), median(p50s[t.name]), median(p99s[t.name]), fmtRuns(p99s[t.name]))
	}
	fmt.Printf("over ssh: ptykeeper/sshd median of per-round ratios: throughput %.2f, echo p50 %.2f, p99 %.2f\n",
		pairedRatio(res["ptykeeper"], res["sshd"]), pairedRatio(p50s["ptykeeper"], p50s["sshd"]), pairedRatio(p99s["ptykeeper"], p99s["sshd"]))
}

// cpuByCommand sums user+system time per command name over all processes.
func cpuByCommand() map[string]time.Duration {
	out := map[string]time.Duration{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		i, j := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
		if i < 0 || j < i {
			continue
		}
		f := strings.Fields(string(b[j+2:]))
		u, _ := strconv.Atoi(f[11])
		s, _ := strconv.Atoi(f[12])
		out[string(b[i+1:j])] += time.Duration(u+s) * 10 * time.Millisecond
	}
	return out
}
