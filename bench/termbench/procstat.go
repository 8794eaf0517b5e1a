// What /proc says about a process: memory, wake-ups, CPU time.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// rss is the process's resident memory in KiB (0 if it is gone).
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

// pss is the process's proportional set size in KiB: its resident memory
// with each shared page divided among the processes mapping it.
func pss(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Pss:") {
			kb, _ := strconv.Atoi(strings.Fields(l)[1])
			return kb
		}
	}
	return 0
}

// ctxSwitches is the process's context switches so far, voluntary and
// involuntary, summed over its threads: each is a wake-up or a preemption.
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
