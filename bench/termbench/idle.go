// Idle: how often each tool's daemon wakes up while its program is quiet,
// with nobody attached and with one client attached. The target for
// ptykeeper is 0 wake-ups in 10 s with a client attached.
package main

import (
	"fmt"
	"strconv"
	"time"
)

func idleTest(dir, self string) {
	heading(fmt.Sprintf("idle: the daemon's context switches (voluntary + involuntary, all threads) in %v, program quiet (sleep 3600)", *idleFor))
	var rows [][]string
	for _, t := range tools(dir) {
		alone, attached, client := idle(t)
		rows = append(rows, []string{t.name, strconv.Itoa(alone), strconv.Itoa(attached), strconv.Itoa(client)})
	}
	printTable([]string{"tool", "nobody attached", "one client attached", "the client process itself"}, rows)
}

// idle returns the daemon's wake-ups over -idle-for with nobody attached,
// then with one client attached, and the client process's own. Each count
// starts 3 s after the change before it, so start-up work is not counted.
func idle(t tool) (alone, attached, client int) {
	defer t.stop()
	t.start("idle", "sleep", "3600")
	time.Sleep(3 * time.Second)
	pids := t.pids()
	if len(pids) == 0 {
		check(fmt.Errorf("idle %s: no daemon process found", t.name))
	}
	count := func(pids []int) int {
		a := ctxSwitchesAll(pids)
		time.Sleep(*idleFor)
		return ctxSwitchesAll(pids) - a
	}
	alone = count(pids)
	term := startTerminal(t.attach("idle"), 0)
	defer term.close()
	time.Sleep(3 * time.Second)
	c := ctxSwitches(term.cmd.Process.Pid)
	attached = count(pids)
	client = ctxSwitches(term.cmd.Process.Pid) - c
	return alone, attached, client
}

// ctxSwitchesAll sums ctxSwitches over processes.
func ctxSwitchesAll(pids []int) int {
	n := 0
	for _, p := range pids {
		n += ctxSwitches(p)
	}
	return n
}
