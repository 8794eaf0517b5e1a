// Frozen plus healthy: a program prints 64 MiB while two clients are
// attached, one frozen (its process stopped, its terminal not read), one
// reading as fast as it can. Does the frozen one slow the program down, and
// does the healthy one see the end promptly?
package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// frozenResult is one run: the program's run time in seconds (+Inf: not
// done within -giveup; NaN: failed) and, with clients, the seconds from its
// last write returning to the healthy client reading the final marker.
type frozenResult struct {
	runtime, delay float64
}

func frozenTest(dir, self string) {
	n := roundsOr(3)
	heading(fmt.Sprintf("frozen: a program prints %d MiB; its run time with nobody attached, then with one frozen client (SIGSTOP, terminal not read) and one healthy client; median of %d rounds, a run gives up after %v",
		*floodMB, n, *giveUp))
	alone, both := map[string][]frozenResult{}, map[string][]frozenResult{}
	for round := 0; round < n; round++ {
		for _, t := range tools(dir) {
			alone[t.name] = append(alone[t.name], frozenRun(t, dir, self, false))
			both[t.name] = append(both[t.name], frozenRun(t, dir, self, true))
		}
	}
	var rows [][]string
	for _, t := range tools(dir) {
		var ta, tb, ratio, delay []float64
		for i := range alone[t.name] {
			a, b := alone[t.name][i].runtime, both[t.name][i].runtime
			ta, tb, delay = append(ta, a), append(tb, b), append(delay, both[t.name][i].delay)
			ratio = append(ratio, b/a) // NaN if either failed, +Inf if b gave up
		}
		rows = append(rows, []string{t.name, seconds(medianRuns(ta)), seconds(medianRuns(tb)), secondsList(tb),
			ratioText(medianRuns(ratio)), seconds(medianRuns(delay)), secondsList(delay)})
	}
	printTable([]string{"tool", "program time, nobody attached", "frozen + healthy attached", "runs", "ratio (median of per-round)", "last write → healthy client shows it", "runs"}, rows)
}

func ratioText(r float64) string {
	switch {
	case math.IsInf(r, 1):
		return "∞ (gave up)"
	case math.IsNaN(r):
		return "failed"
	}
	return fmt.Sprintf("%.2f×", r)
}

// frozenRun runs the flood program under t, with nobody attached or with a
// frozen and a healthy client, and times it.
func frozenRun(t tool, dir, self string, clients bool) frozenResult {
	fail := func(err error) frozenResult {
		fmt.Fprintf(os.Stderr, "frozen %s: %v\n", t.name, err)
		return frozenResult{math.NaN(), math.NaN()}
	}
	defer t.stop()
	id := uniqueID()
	stamp := filepath.Join(dir, "stamp-"+id)
	defer os.Remove(stamp)
	defer os.Remove(stamp + ".pid")
	t.start("flood", self, "flood", strconv.Itoa(*floodMB), stamp, id)
	pidText, err := waitContent(stamp+".pid", 10*time.Second)
	if err != nil {
		return fail(err)
	}
	pid, _ := strconv.Atoi(pidText)
	var healthy *terminal
	if clients {
		frozen := startTerminal(t.attach("flood"), 0)
		defer frozen.close()
		if err := attached(frozen, "F"); err != nil {
			return fail(fmt.Errorf("frozen client: %w (%s)", err, frozen.state()))
		}
		healthy = startTerminal(t.attach("flood"), 0)
		defer healthy.close()
		if err := attached(healthy, "H"); err != nil {
			return fail(fmt.Errorf("healthy client: %w (%s)", err, healthy.state()))
		}
		frozen.freeze()
	}
	var end *watch
	if healthy != nil {
		end = healthy.watch("FLOOD-END-" + id)
	}
	check(syscall.Kill(pid, syscall.SIGUSR1))
	times, err := waitContent(stamp, *giveUp)
	if err != nil {
		return frozenResult{math.Inf(1), math.NaN()}
	}
	var start, stop int64
	fmt.Sscan(times, &start, &stop)
	res := frozenResult{runtime: float64(stop-start) / 1e9, delay: math.NaN()}
	if end != nil {
		res.delay = math.Inf(1)
		if end.wait(*giveUp) == nil {
			res.delay = float64(end.at-stop) / 1e9
		} else {
			fmt.Fprintf(os.Stderr, "frozen %s: the healthy client did not show the end within %v (%s)\n", t.name, *giveUp, healthy.state())
		}
	}
	return res
}

// attached types key into the client's terminal and waits for the program's
// echo of it: then the client is attached, and both directions work.
func attached(term *terminal, key string) error {
	w := term.watch("hello-" + key)
	term.press(key)
	return w.wait(10 * time.Second)
}

// waitContent polls for a file written by writeFileAtomic and returns its
// text.
func waitContent(path string, timeout time.Duration) (string, error) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if b, err := os.ReadFile(path); err == nil {
			return strings.TrimSpace(string(b)), nil
		}
	}
	return "", fmt.Errorf("%s not written within %v", filepath.Base(path), timeout)
}
