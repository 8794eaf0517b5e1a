// Throughput: 64 MiB of text lines to one client (and to N), in MB/s.
package main

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

func throughputTest(dir, self string) {
	for _, cs := range strings.Split(*clientsFlag, ",") {
		clients, _ := strconv.Atoi(cs)
		res := map[string][]float64{}
		for round := 0; round < roundsOr(5); round++ {
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
