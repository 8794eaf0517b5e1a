package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/term"
)

// TestMain runs the helper programs the terminal is tested with when the
// test binary is re-executed with TERMBENCH_HELPER set.
func TestMain(m *testing.M) {
	if h := os.Getenv("TERMBENCH_HELPER"); h != "" {
		runHelper(strings.Fields(h))
		return
	}
	goleak.VerifyTestMain(m)
}

func helperCmd(args ...string) *exec.Cmd {
	c := exec.Command(os.Args[0], "-test.run=^$")
	c.Env = append(os.Environ(), "TERMBENCH_HELPER="+strings.Join(args, " "))
	return c
}

// runHelper: "ask WAIT" asks DSR, CPR and DA1 and prints what came back
// within WAIT; "spew N" prints N bytes then END. Both then wait for their
// terminal to go away.
func runHelper(args []string) {
	term.MakeRaw(0)
	switch args[0] {
	case "ask":
		wait, _ := time.ParseDuration(args[1])
		os.Stdout.WriteString("\x1b[5n\x1b[6n\x1b[c")
		want := len(answerDSR) + len(answerCPR) + len(answerDA1)
		got := make(chan []byte)
		go func() {
			var b []byte
			buf := make([]byte, 64)
			for len(b) < want {
				n, err := os.Stdin.Read(buf)
				if err != nil {
					return
				}
				b = append(b, buf[:n]...)
			}
			got <- b
		}()
		select {
		case b := <-got:
			fmt.Printf("got:%q\r\n", b)
		case <-time.After(wait):
			fmt.Printf("got:nothing\r\n")
		}
	case "spew":
		n, _ := strconv.Atoi(args[1])
		os.Stdout.Write([]byte(strings.Repeat("x", n)))
		os.Stdout.WriteString("END\r\n")
	}
	os.Stdin.Read(make([]byte, 1))
}

// A program asking its terminal gets xterm's answers, as keyboard input.
func TestTerminalAnswersQueries(t *testing.T) {
	tm := startTerminal(helperCmd("ask", "10s"), 0)
	defer tm.close()
	want := fmt.Sprintf("got:%q", "\x1b[0n\x1b[24;1R\x1b[?62;22c")
	if err := tm.waitFor(want, 10*time.Second); err != nil {
		t.Fatalf("%v (%s)", err, tm.state())
	}
	if n := tm.answered(); n != 3 {
		t.Errorf("answered %d queries, want 3", n)
	}
}

// With -answer=false the program's questions go unanswered.
func TestTerminalNeverAnswers(t *testing.T) {
	*answer = false
	defer func() { *answer = true }()
	tm := startTerminal(helperCmd("ask", "300ms"), 0)
	defer tm.close()
	if err := tm.waitFor("got:nothing", 10*time.Second); err != nil {
		t.Fatalf("%v (%s)", err, tm.state())
	}
}

// A terminal reading 1 MB/s takes at least 0.19 s for 200 KB (the first
// 10 ms worth comes free), and reports the marker's exact stream offset.
func TestTerminalRate(t *testing.T) {
	const n, rate = 200_000, 1e6
	tm := startTerminal(helperCmd("spew", strconv.Itoa(n)), rate)
	defer tm.close()
	start := time.Now()
	w := tm.watch("END")
	if err := w.wait(10 * time.Second); err != nil {
		t.Fatalf("%v (%s)", err, tm.state())
	}
	if d := time.Since(start); d < 190*time.Millisecond {
		t.Errorf("read %d bytes in %v: faster than %.0f bytes/s", n, d, rate)
	}
	if w.off != n {
		t.Errorf("marker at offset %d, want %d", w.off, n)
	}
}
