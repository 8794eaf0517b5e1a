// Latency: a raw-mode echo program typed into one byte at a time.
package main

import (
	"fmt"
	"os"
	"sort"
	"time"

	"golang.org/x/term"
)

func latencyTest(dir, self string) {
	p50s, p99s := map[string][]float64{}, map[string][]float64{}
	for round := 0; round < roundsOr(5); round++ {
		for _, t := range tools(dir) {
			p50, p99 := latency(t, self)
			p50s[t.name] = append(p50s[t.name], p50)
			p99s[t.name] = append(p99s[t.name], p99)
		}
	}
	for _, t := range tools(dir) {
		fmt.Printf("echo latency %-9s median p50 %5.0fµs  p99 %5.0fµs   runs p50 %s  p99 %s (µs, %d keys each)\n", t.name,
			median(p50s[t.name]), median(p99s[t.name]), fmtRuns(p50s[t.name]), fmtRuns(p99s[t.name]), *keys)
	}
	fmt.Printf("echo latency: per-round ratios: ptykeeper/dtach p50 %.2f, ptykeeper/tmux p99 %.2f\n", pairedRatio(p50s["ptykeeper"], p50s["dtach"]), pairedRatio(p99s["ptykeeper"], p99s["tmux"]))
}

// latency returns p50 and p99 round trips in µs (0 on failure).
func latency(t tool, self string) (p50, p99 float64) {
	defer t.stop()
	t.start("echo", self, "echo")
	time.Sleep(200 * time.Millisecond)
	c := startClient(t.attach("echo"))
	defer c.close()
	term.MakeRaw(int(c.pty.Fd()))                  // our side of the client's terminal: no echo of our own
	c.readUntil([]byte("echo-ready"), time.Second) // dtach does not redraw: may be gone by
	time.Sleep(300 * time.Millisecond)
	c.drainPending()
	var ds []time.Duration
	for i := 0; i < *keys; i++ {
		k := byte('a' + i%26)
		start := time.Now()
		c.pty.Write([]byte{k})
		if err := c.readUntil([]byte{k}, 5*time.Second); err != nil {
			fmt.Fprintf(os.Stderr, "latency %s: %v\n", t.name, err)
			return 0, 0
		}
		ds = append(ds, time.Since(start))
		time.Sleep(2 * time.Millisecond)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	p := func(q float64) float64 { return float64(ds[int(q*float64(len(ds)-1))]) / 1e3 }
	return p(0.50), p(0.99)
}
