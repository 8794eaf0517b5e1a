// Slow client: a program floods like yes; the client's terminal reads at a
// set rate (a slow link or a slow emulator); the user types Ctrl-C. How
// long until the prompt is visible, and how much stale output came first?
// Locally (ptykeeper attach, tmux attach, dtach -a) and through OpenSSH's
// ssh -t, whose terminal is the slow one.
package main

import (
	"fmt"
	"math"
	"os"
	"os/exec"
	"strings"
	"time"
)

// slowResult is one round: seconds from Ctrl-C to the prompt visible (+Inf:
// gave up, NaN: failed), bytes read between them, bytes read in the half
// second after the prompt, answers the terminal gave.
type slowResult struct {
	secs, stale, after float64
	queries            int
}

// labelled is a tool with the name it has in the tables.
type labelled struct {
	label string
	tool
}

func slowTest(dir, self string) {
	var rates []float64
	for _, s := range strings.Split(*ratesFlag, ",") {
		r, err := parseRate(s)
		check(err)
		rates = append(rates, r)
	}
	ts := slowTools(dir)
	answers := "answers status queries (DSR, CPR, DA1)"
	if !*answer {
		answers = "never answers status queries (-answer=false)"
	}
	heading(fmt.Sprintf("slow: Ctrl-C during a yes flood of %v, the client's terminal reading at a set rate and %s; median of %d rounds, a round gives up after %v",
		*floodFor, answers, roundsOr(3), *giveUp))
	var rows [][]string
	for _, rate := range rates {
		res := map[string][]slowResult{}
		for round := 0; round < roundsOr(3); round++ {
			for _, t := range ts { // interleaved: machine noise hits all alike
				res[t.label] = append(res[t.label], slowRound(t.tool, self, rate))
			}
		}
		for _, t := range ts {
			rows = append(rows, slowRow(t.label, rate, res[t.label]))
		}
	}
	printTable([]string{"tool", "terminal reads", "Ctrl-C → prompt visible", "runs", "stale bytes before the prompt", "bytes in the 0.5 s after it", "queries answered"}, rows)
}

// slowTools are the local tools, then (with -slow-ssh) OpenSSH's ssh client
// to ptykeeper's sshd, to sshd running tmux attach, and to sshd running the
// program itself.
func slowTools(dir string) []labelled {
	var ts []labelled
	for _, t := range tools(dir) {
		ts = append(ts, labelled{t.name, t})
	}
	if !*viaSSH {
		return ts
	}
	if _, err := exec.LookPath("ssh"); err != nil {
		fmt.Fprintln(os.Stderr, "slow: skipping the ssh variants: no ssh client (apt-get install openssh-client)")
		return ts
	}
	for _, t := range sshTools(dir) {
		switch {
		case t.name == "ptykeeper" && !strings.Contains(","+*toolsFlag+",", ",ptykeeper,"),
			t.name == "sshd+tmux" && !strings.Contains(","+*toolsFlag+",", ",tmux,"):
			continue
		case t.name != "ptykeeper" && !exists("/usr/sbin/sshd"):
			fmt.Fprintf(os.Stderr, "slow: skipping ssh → %s: no /usr/sbin/sshd (apt-get install openssh-server)\n", t.name)
			continue
		}
		ts = append(ts, labelled{"ssh -t → " + t.name, t})
	}
	return ts
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func slowRow(label string, rate float64, rs []slowResult) []string {
	var secs, stale, after []float64
	queries := 0
	for _, r := range rs {
		secs, stale, after = append(secs, r.secs), append(stale, r.stale), append(after, r.after)
		queries += r.queries
	}
	staleText := byteCount(medianRuns(stale))
	if m := medianRuns(secs); math.IsInf(m, 1) {
		staleText = "> " + staleText // still reading stale output when it gave up
	}
	return []string{label, byteCount(rate) + "/s", seconds(medianRuns(secs)), secondsList(secs), staleText, byteCount(medianRuns(after)), fmt.Sprint(queries)}
}

// slowRound runs the program under t, attaches a client whose terminal
// reads rate bytes/s, starts the flood, lets it run -flood-for, types
// Ctrl-C and waits for the prompt.
func slowRound(t tool, self string, rate float64) slowResult {
	fail := func(err error) slowResult {
		fmt.Fprintf(os.Stderr, "slow %s at %s/s: %v\n", t.name, byteCount(rate), err)
		return slowResult{secs: math.NaN(), stale: math.NaN(), after: math.NaN()}
	}
	defer t.stop()
	id := uniqueID()
	t.start("slow", self, "yes", id)
	term := startTerminal(t.attach("slow"), rate)
	defer term.close()
	if err := term.waitFor("press a key", 20*time.Second); err != nil {
		return fail(fmt.Errorf("attach: %w (%s)", err, term.state()))
	}
	at, off := term.press("g")
	if err := term.waitBytes(off+8192, 10*time.Second); err != nil { // the flood is showing, in whatever encoding the tool draws it
		return fail(fmt.Errorf("flood: %w (%s)", err, term.state()))
	}
	time.Sleep(*floodFor) // the experiment's flood, not a wait for something
	marker := "READY-" + id + "-PROMPT"
	prompt := term.watch(marker)
	at, off = term.press("\x03")
	if err := prompt.wait(*giveUp); err != nil {
		fmt.Fprintf(os.Stderr, "slow %s at %s/s: gave up after %v, %d bytes read since Ctrl-C (%s)\n",
			t.name, byteCount(rate), *giveUp, term.bytesRead()-off, term.state())
		return slowResult{secs: math.Inf(1), stale: float64(term.bytesRead() - off), after: math.NaN(), queries: term.answered()}
	}
	time.Sleep(500 * time.Millisecond) // whatever comes after the prompt: stale output, or nothing
	return slowResult{
		secs:    float64(prompt.at-at) / 1e9,
		stale:   float64(prompt.off - off),
		after:   float64(term.bytesRead() - prompt.off - int64(len(marker))),
		queries: term.answered(),
	}
}
