package handover_test

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// helperProc is a running helper program and the lines it printed.
type helperProc struct {
	t     *testing.T
	cmd   *exec.Cmd
	lines chan string
	done  chan error
}

func startHelper(t *testing.T, mode string, env ...string) *helperProc {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), append([]string{envHelper + "=" + mode, envDir + "=" + t.TempDir()}, env...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &helperProc{t: t, cmd: cmd, lines: make(chan string, 100), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() {
		cmd.Process.Kill() // a no-op once it has exited and been waited for
		for range p.lines {
		}
		<-p.done
	})
	return p
}

const helperWait = 30 * time.Second // race-built images start slowly on a busy machine

// expect returns the next line, which must start with prefix.
func (p *helperProc) expect(prefix string) string {
	p.t.Helper()
	select {
	case line, ok := <-p.lines:
		if !ok {
			p.t.Fatalf("helper ended before printing %q", prefix)
		}
		if !strings.HasPrefix(line, prefix) {
			p.t.Fatalf("helper printed %q, want %q…", line, prefix)
		}
		return line
	case <-time.After(helperWait):
		p.t.Fatalf("helper printed nothing for %v, want %q…", helperWait, prefix)
	}
	return ""
}

func (p *helperProc) wait() {
	p.t.Helper()
	for line := range p.lines {
		p.t.Errorf("helper printed %q after its last expected line", line)
	}
	if err := <-p.done; err != nil {
		p.t.Fatalf("helper: %v", err)
	}
	p.done <- nil // for Cleanup
}

// fields parses "word k=v k=v" into a map.
func fields(line string) map[string]string {
	m := map[string]string{}
	for _, f := range strings.Fields(line) {
		if k, v, ok := strings.Cut(f, "="); ok {
			m[k] = v
		}
	}
	return m
}

func readLine(t *testing.T, c net.Conn, r *bufio.Reader, want string) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(helperWait))
	line, err := r.ReadString('\n')
	if err != nil || line != want+"\n" {
		t.Fatalf("read %q, %v; want %q", line, err, want)
	}
}

// TestExecInPlace is the whole hand-over with a real execve: the new image
// has the same pid, the program under the PTY is still its child and still
// echoes, the client connected before the exec is still connected (and what
// it sent during the exec arrives), both listeners still accept, the flock
// held through a handed-over fd is still held, one held through an fd that
// was not handed over is gone, and the process is still a subreaper.
func TestExecInPlace(t *testing.T) {
	p := startHelper(t, "upgrade")
	one := fields(p.expect("image1 "))
	if one["pid"] != strconv.Itoa(p.cmd.Process.Pid) {
		t.Fatalf("image 1 pid %s, started pid %d", one["pid"], p.cmd.Process.Pid)
	}
	c, err := net.Dial("unix", one["unix"])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	readLine(t, c, r, "hello from image 1")
	// Sent while the image is being replaced: must not be lost.
	if _, err := c.Write([]byte("typed during the handover\n")); err != nil {
		t.Fatal(err)
	}

	two := fields(p.expect("image2 "))
	want := map[string]string{"pid": one["pid"], "subreaper": "1", "lock": "held", "lock2": "free",
		"pollable": "true", "ppid-of-child": one["pid"]}
	for k, v := range want {
		if two[k] != v {
			t.Errorf("after exec %s=%s, want %s", k, two[k], v)
		}
	}
	p.expect(`client sent "typed during the handover"`)
	readLine(t, c, r, "hello from image 2")
	c.Write([]byte("ping\n"))
	readLine(t, c, r, "pong")

	for _, addr := range [][2]string{{"unix", one["unix"]}, {"tcp", one["tcp"]}} {
		c, err := net.Dial(addr[0], addr[1])
		if err != nil {
			t.Fatalf("dial adopted %s listener: %v", addr[0], err)
		}
		readLine(t, c, bufio.NewReader(c), "accepted")
		c.Close()
	}
	p.expect("pty echoed")
	p.expect("child " + one["child"] + " exited 7 zombies=0")
	p.wait()
}

// TestExecTwentyTimes hands over 20 times in a row, each with its dry run:
// the fd count stays the same in every image after the first (which also
// holds what it made things with), no zombie is left, and at the end the
// PTY's program and a socket pair still work.
func TestExecTwentyTimes(t *testing.T) {
	const rounds = 20
	p := startHelper(t, "loop", envRounds+"="+strconv.Itoa(rounds))
	var pid, fds string
	var check, exec []int
	for i := 0; i <= rounds; i++ {
		f := fields(p.expect("round " + strconv.Itoa(i) + " "))
		if i > 0 {
			c, _ := strconv.Atoi(f["check"])
			e, _ := strconv.Atoi(f["exec"])
			check, exec = append(check, c), append(exec, e)
		}
		if f["zombies"] != "0" {
			t.Errorf("round %d: %s zombies", i, f["zombies"])
		}
		if i == 0 {
			pid = f["pid"]
			continue
		}
		if f["pid"] != pid {
			t.Errorf("round %d: pid %s, want %s", i, f["pid"], pid)
		}
		if i == 1 {
			fds = f["fds"]
			t.Logf("fds after a handover: %s", fds)
		} else if f["fds"] != fds {
			t.Errorf("round %d: %s fds, round 1 had %s", i, f["fds"], fds)
		}
	}
	p.expect("pty echoed")
	p.expect("child ")
	p.wait()
	slices.Sort(check)
	slices.Sort(exec)
	t.Logf("median of %d: dry run %d µs, execve to adopted %d µs (this test binary; not a benchmark)", rounds, check[rounds/2], exec[rounds/2])
}
