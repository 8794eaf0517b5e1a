// Command termbench measures ptykeeper against dtach and tmux the way a user
// runs them: clients attached in real PTYs, real programs, real sshd. Each
// test lives in its own file; bench/README.md says what each one measures
// and how to read its output.
//
// Run it through bench/run.sh, which builds ptykeeper first.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"
)

var (
	pk          = flag.String("ptykeeper", "ptykeeper", "ptykeeper binary")
	floodMB     = flag.Int("mb", 64, "MiB of output for the throughput and frozen tests")
	keys        = flag.Int("keys", 500, "keystrokes for the latency test")
	only        = flag.String("only", "", "run only these tests, comma-separated: throughput, latency, repaint, memory, idle, slow, frozen, sessions100, ssh (ssh runs only when asked)")
	rounds      = flag.Int("rounds", 0, "rounds per tool, median reported (0: each test's default: 5 for throughput, latency and ssh; 3 for slow and frozen)")
	clientsFlag = flag.String("clients", "1,10", "client counts for the throughput test")
	toolsFlag   = flag.String("tools", "ptykeeper,dtach,tmux", "tools to compare (the ssh variants of the slow test follow: ptykeeper, tmux)")
	answer      = flag.Bool("answer", true, "the clients' terminals answer status queries (DSR, CPR, DA1) as a terminal emulator does")
	ratesFlag   = flag.String("rates", "100k,500k,2M", "slow test: the rates (bytes/s; k=1000, M=10^6) at which the client's terminal reads")
	viaSSH      = flag.Bool("slow-ssh", true, "slow test: also through OpenSSH's ssh -t (to ptykeeper's sshd, and to OpenSSH's sshd)")
	floodFor    = flag.Duration("flood-for", 2*time.Second, "slow test: how long the program floods before Ctrl-C")
	giveUp      = flag.Duration("giveup", 60*time.Second, "slow and frozen tests: a round gives up after this long")
	idleFor     = flag.Duration("idle-for", 10*time.Second, "idle test: how long wake-ups are counted")
)

func main() {
	if len(os.Args) > 1 {
		if prog, ok := programs[os.Args[1]]; ok {
			prog(os.Args[2:])
			return
		}
	}
	flag.Parse()
	dir, err := os.MkdirTemp("", "tb")
	check(err)
	tempDir = dir
	defer os.RemoveAll(dir)
	self, err := os.Executable()
	check(err)
	want := func(s string) bool {
		return *only == "" || strings.Contains(","+*only+",", ","+s+",")
	}
	if want("throughput") {
		throughputTest(dir, self)
	}
	if want("latency") {
		latencyTest(dir, self)
	}
	if strings.Contains(","+*only+",", ",ssh,") {
		sshBench(dir, self)
	}
	if want("repaint") {
		fmt.Printf("repaint visible after attach start: %s\n", repaint(dir, self))
	}
	if want("memory") {
		memory(dir, self)
	}
	if want("idle") {
		idleTest(dir, self)
	}
	if want("slow") {
		slowTest(dir, self)
	}
	if want("frozen") {
		frozenTest(dir, self)
	}
	if want("sessions100") {
		sessionsTest(dir, self)
	}
}

// roundsOr is -rounds, or the test's own default when it is not set.
func roundsOr(def int) int {
	if *rounds > 0 {
		return *rounds
	}
	return def
}

// commandLine is how this run was started, for pasting next to its figures:
// bench/run.sh passes its own command line in TERMBENCH_CMD.
func commandLine() string {
	if c := os.Getenv("TERMBENCH_CMD"); c != "" {
		return c
	}
	return strings.Join(os.Args, " ")
}

// tempDir holds keys, sockets and configs of this run; check removes it.
var tempDir string

// check ends the run on an error the tests cannot go on after.
func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "termbench:", err)
		if tempDir != "" {
			os.RemoveAll(tempDir)
		}
		os.Exit(1)
	}
}
