package testprog

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
)

// Demo is the program of the daemon's demo session: a small full-screen app
// that keeps counting while nobody is attached and shows what was typed, so
// a newcomer sees at once that it went on running and that keys arrive raw.
func Demo([]string) int {
	old, err := term.MakeRaw(0)
	if err == nil {
		defer term.Restore(0, old)
	}
	keys := make(chan []byte)
	go func() {
		buf := make([]byte, 256)
		for {
			n, err := os.Stdin.Read(buf)
			if err != nil {
				close(keys)
				return
			}
			keys <- append([]byte(nil), buf[:n]...)
		}
	}()
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	start := time.Now()
	var typed []byte
	os.Stdout.WriteString("\x1b[?1049h")
	defer os.Stdout.WriteString("\x1b[?1049l")
	for {
		drawDemo(start, typed)
		select {
		case k, ok := <-keys:
			if !ok {
				return 0
			}
			typed = append(typed, k...)
			if len(typed) > 40 {
				typed = typed[len(typed)-40:]
			}
			if strings.Contains(string(k), "q") && strings.HasSuffix(string(typed), "qq") {
				return 0
			}
		case <-tick.C:
		case <-winch:
		}
	}
}

func drawDemo(start time.Time, typed []byte) {
	w, h, _ := term.GetSize(1)
	up := time.Since(start).Truncate(time.Second)
	var b strings.Builder
	b.WriteString("\x1b[H\x1b[2J")
	b.WriteString("\x1b[1;36mptykeeper demo\x1b[0m  this program keeps running while nobody is attached\r\n\r\n")
	fmt.Fprintf(&b, "  running for  \x1b[1m%s\x1b[0m\r\n", up)
	fmt.Fprintf(&b, "  window       %dx%d (resize your terminal: the program sees it)\r\n", w, h)
	fmt.Fprintf(&b, "  you typed    \x1b[33m%q\x1b[0m (raw bytes: try arrows, Ctrl-C)\r\n\r\n", typed)
	b.WriteString("  detach with \x1b[7m Ctrl-\\ \x1b[0m, come back with: ptykeeper attach demo\r\n")
	b.WriteString("  type qq to make the program exit\r\n")
	os.Stdout.WriteString(b.String())
}
