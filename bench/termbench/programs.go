// The programs the tests run under each tool: termbench re-executes itself
// as "termbench NAME ARGS...", so every tool runs exactly the same program.
package main

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// programs maps a subcommand to the program it runs.
var programs = map[string]func(args []string){
	"gen":   gen,
	"echo":  echo,
	"yes":   yesUntilCtrlC,
	"flood": flood,
	"tick":  tick,
}

// gen waits for a key, then prints N MiB of numbered lines and a marker.
func gen(args []string) {
	mb, _ := strconv.Atoi(args[0])
	old, _ := term.MakeRaw(0)
	fmt.Print("press a key\r\n")
	os.Stdin.Read(make([]byte, 1))
	term.Restore(0, old)
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	total := mb << 20
	for i := 0; total > 0; i++ {
		n, _ := fmt.Fprintf(w, "line %08d the quick brown fox jumps over the lazy dog 0123456789\n", i)
		total -= n
	}
	w.WriteString("FLOOD-END\n")
	w.Flush()
	time.Sleep(time.Hour)
}

// echo echoes every byte in raw mode.
func echo(args []string) {
	term.MakeRaw(0)
	fmt.Print("echo-ready\r\n")
	buf := make([]byte, 64)
	for {
		n, err := os.Stdin.Read(buf)
		if err != nil {
			return
		}
		os.Stdout.Write(buf[:n])
	}
}

// yesChunk is what yesUntilCtrlC writes at a time: GNU yes writes 8 KiB.
var yesChunk = func() []byte {
	b := make([]byte, 0, 8192)
	for len(b)+3 <= cap(b) {
		b = append(b, "y\r\n"...)
	}
	return b
}()

// yesUntilCtrlC acts like a shell running yes: it asks for a key (again
// every 50 ms, so that a client that does not redraw sees it too), then
// prints y lines as fast as its terminal takes them until Ctrl-C (byte 3)
// arrives, then prints a prompt holding the marker "READY-ID-PROMPT" and
// waits, like the shell's prompt. Raw mode: the keys arrive as bytes, and a
// stdin goroutine sees Ctrl-C while the main one is blocked writing.
func yesUntilCtrlC(args []string) {
	id := args[0]
	term.MakeRaw(0)
	var started, stopped atomic.Bool
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := os.Stdin.Read(buf)
			if err != nil {
				os.Exit(0)
			}
			started.Store(true)
			for _, b := range buf[:n] {
				if b == 3 {
					stopped.Store(true)
				}
			}
		}
	}()
	for !started.Load() {
		os.Stdout.WriteString("press a key\r\n")
		time.Sleep(50 * time.Millisecond)
	}
	for !stopped.Load() {
		if _, err := os.Stdout.Write(yesChunk); err != nil {
			os.Exit(1)
		}
	}
	os.Stdout.WriteString("^C\r\nREADY-" + id + "-PROMPT$ ")
	select {}
}

// flood is the program of the frozen test. It writes its pid to
// STAMP.pid and echoes each key typed as "hello-K" (so a test can see that a
// client is attached); on SIGUSR1 it prints N MiB of numbered lines and the
// marker FLOOD-END-ID, then writes "START END" (CLOCK_MONOTONIC ns: the
// first write and the return of the last) to STAMP, and waits.
func flood(args []string) {
	mb, _ := strconv.Atoi(args[0])
	stamp, id := args[1], args[2]
	term.MakeRaw(0)
	go func() {
		buf := make([]byte, 64)
		for {
			n, err := os.Stdin.Read(buf)
			if err != nil {
				os.Exit(0)
			}
			for _, b := range buf[:n] {
				os.Stdout.WriteString("\r\nhello-" + string(rune(b)) + "\r\n")
			}
		}
	}()
	go1 := make(chan os.Signal, 1)
	signal.Notify(go1, syscall.SIGUSR1)
	writeFileAtomic(stamp+".pid", strconv.Itoa(os.Getpid()))
	<-go1
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	start := monoNow()
	line := []byte("line 00000000 the quick brown fox jumps over the lazy dog 0123456789\r\n")
	for i, total := 0, mb<<20; total > 0; i, total = i+1, total-len(line) {
		n := i
		for j := 12; j >= 5; j-- { // the 8-digit line number, in place: no allocation per line
			line[j] = byte('0' + n%10)
			n /= 10
		}
		w.Write(line)
	}
	w.WriteString("FLOOD-END-" + id + "\r\n")
	w.Flush()
	end := monoNow()
	writeFileAtomic(stamp, fmt.Sprintf("%d %d", start, end))
	select {}
}

// tick prints one line a second, as a chat client or a log tail does. Its
// argument only tags the process, so that a test can count its instances.
func tick(args []string) {
	for i := 0; ; i++ {
		fmt.Printf("tick %d %s\n", i, time.Now().Format(time.TimeOnly))
		time.Sleep(time.Second)
	}
}

// monoNow is CLOCK_MONOTONIC in ns: the one clock two processes on this
// machine share that never jumps.
func monoNow() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano()
}

// writeFileAtomic writes through a temporary name, so a reader polling for
// the file never sees it half written.
func writeFileAtomic(path, text string) {
	check(os.WriteFile(path+".tmp", []byte(text), 0o600))
	check(os.Rename(path+".tmp", path))
}
