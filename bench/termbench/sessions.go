// 100 sessions: each runs a program printing one line a second, nobody
// attached. What does keeping them cost the daemon in wake-ups and memory?
package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

const (
	manySessions = 100
	manyWarmUp   = 10 * time.Second
	manyMeasure  = 5 * time.Second
)

func sessionsTest(dir, self string) {
	heading(fmt.Sprintf("sessions100: %d sessions each printing a line a second, nobody attached; after %v of warm-up, the daemon's context switches over %v (all its threads; dtach: summed over its %d daemons), RSS and PSS (shared pages divided among their users: the fair sum over dtach's processes)",
		manySessions, manyWarmUp, manyMeasure, manySessions))
	var rows [][]string
	for _, t := range tools(dir) {
		rows = append(rows, sessions(t, self))
	}
	printTable([]string{"tool", "programs running", "daemon processes", "context switches in 5 s", "per session per second", "RSS", "PSS"}, rows)
}

// sessions starts the programs under t, waits, measures and returns a row.
func sessions(t tool, self string) []string {
	defer t.stop()
	tag := "tb100-" + uniqueID()
	names := make([]string, manySessions)
	for i := range names {
		names[i] = fmt.Sprintf("s%03d", i)
	}
	t.startMany(names, self, "tick", tag)
	time.Sleep(manyWarmUp)
	running := len(programsRunning(self, "tick", tag))
	pids := t.pids()
	a := ctxSwitchesAll(pids)
	time.Sleep(manyMeasure)
	cs := ctxSwitchesAll(pids) - a
	rssKB, pssKB := 0, 0
	for _, p := range pids {
		rssKB += rss(p)
		pssKB += pss(p)
	}
	return []string{t.name, strconv.Itoa(running), strconv.Itoa(len(pids)), strconv.Itoa(cs),
		fmt.Sprintf("%.2f", float64(cs)/manySessions/manyMeasure.Seconds()),
		fmt.Sprintf("%.1f MiB", float64(rssKB)/1024), fmt.Sprintf("%.1f MiB", float64(pssKB)/1024)}
}

// programsRunning lists the processes running self with args: the
// programs themselves, not a shell or a dtach whose arguments name them.
func programsRunning(self string, args ...string) []int {
	prefix := []byte(strings.Join(append([]string{self}, args...), "\x00") + "\x00")
	var pids []int
	for _, pid := range findProcs("", string(prefix)) {
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if bytes.HasPrefix(cmdline, prefix) {
			pids = append(pids, pid)
		}
	}
	return pids
}
