// 100 sessions: each runs a program printing one line a second, nobody
// attached. What does keeping them cost the daemon in wake-ups and memory?
package main

import (
	"fmt"
	"strconv"
	"time"
)

const (
	manySessions = 100
	manyWarmUp   = 10 * time.Second
	manyMeasure  = 5 * time.Second
)

func sessionsTest(dir, self string) {
	heading(fmt.Sprintf("sessions100: %d sessions each printing a line a second, nobody attached; after %v of warm-up, the daemon's context switches over %v (all its threads; dtach: summed over its %d daemons) and RSS",
		manySessions, manyWarmUp, manyMeasure, manySessions))
	var rows [][]string
	for _, t := range tools(dir) {
		rows = append(rows, sessions(t, self))
	}
	printTable([]string{"tool", "programs running", "daemon processes", "context switches in 5 s", "per session per second", "RSS"}, rows)
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
	running := len(findProcs("", "\x00tick\x00"+tag)) // the programs themselves, not a shell running them
	pids := t.pids()
	a := ctxSwitchesAll(pids)
	time.Sleep(manyMeasure)
	cs := ctxSwitchesAll(pids) - a
	kb := 0
	for _, p := range pids {
		kb += rss(p)
	}
	return []string{t.name, strconv.Itoa(running), strconv.Itoa(len(pids)), strconv.Itoa(cs),
		fmt.Sprintf("%.2f", float64(cs)/manySessions/manyMeasure.Seconds()), fmt.Sprintf("%.1f MiB", float64(kb)/1024)}
}
