// Package testprog holds small terminal programs that tests run under a real
// PTY by re-executing their own test binary (the os/exec test pattern), and
// the demo program the daemon runs with --demo.
//
// A test's TestMain calls Main first; when the environment names a program,
// Main runs it and exits.
package testprog

import (
	"bufio"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"
)

// EnvVar names the program to run.
const EnvVar = "PTYKEEPER_TESTPROG"

// Command returns argv that runs program name with args: this binary,
// re-executed, with the environment variable set through env (the keeper
// builds a clean environment, so pass it as a session env entry).
func Command(name string, args ...string) (argv []string, env []string) {
	self, err := os.Executable()
	if err != nil {
		panic(err)
	}
	return append([]string{self}, args...), []string{EnvVar + "=" + name}
}

// Main runs the program named by the environment, if any, and exits.
func Main() {
	name := os.Getenv(EnvVar)
	if name == "" {
		return
	}
	os.Unsetenv(EnvVar)
	args := os.Args[1:]
	f, ok := programs[name]
	if !ok {
		fmt.Fprintf(os.Stderr, "testprog: unknown program %q\n", name)
		os.Exit(2)
	}
	os.Exit(f(args))
}

// Run runs program name directly (used by the daemon for its demo).
func Run(name string, args []string) int {
	if f, ok := programs[name]; ok {
		return f(args)
	}
	fmt.Fprintf(os.Stderr, "testprog: unknown program %q\n", name)
	return 2
}

var programs = map[string]func(args []string) int{
	"echo":    echo,
	"cat":     catLines,
	"counter": counter,
	"tui":     tui,
	"cpr":     cpr,
	"colour":  colour,
	"winsize": winsize,
	"flood":   flood,
	"fds":     fds,
	"env":     env,
	"exit":    exit,
	"sleep":   sleep,
	"ignore":  ignoreTerm,
	"stall":   stall,
	"yes":     yes,
	"queries": queries,
	"demo":    Demo,
}

// echo puts the terminal in raw mode and echoes every byte as it arrives:
// the program of the keystroke-latency benchmark. It prints "ready" first.
func echo([]string) int {
	if _, err := term.MakeRaw(0); err != nil {
		fmt.Println("raw:", err)
		return 1
	}
	os.Stdout.WriteString("ready\r\n")
	buf := make([]byte, 1024)
	for {
		n, err := os.Stdin.Read(buf)
		if n > 0 {
			os.Stdout.Write(buf[:n])
		}
		if err != nil {
			return 0
		}
	}
}

// catLines echoes lines in cooked mode, prefixed, so tests see what arrived.
func catLines([]string) int {
	sc := bufio.NewScanner(os.Stdin)
	fmt.Print("cat> ")
	for sc.Scan() {
		fmt.Printf("got %q\ncat> ", sc.Text())
	}
	return 0
}

// counter prints an increasing number every interval (default 20ms).
func counter(args []string) int {
	d := 20 * time.Millisecond
	if len(args) > 0 {
		d, _ = time.ParseDuration(args[0])
	}
	for i := 0; ; i++ {
		fmt.Printf("count %d\r\n", i)
		time.Sleep(d)
	}
}

// TUIScreen is the exact output of the tui program: alternate screen,
// colours of every kind, wide characters, a scroll region, modes, and the
// cursor parked mid-screen.
const TUIScreen = "\x1b[?1049h\x1b[H\x1b[2J" +
	"\x1b[1;31mbold red\x1b[0m \x1b[38;5;208mindexed 208\x1b[0m \x1b[38;2;10;200;30;48;2;40;40;90mtruecolor\x1b[0m\r\n" +
	"\x1b[7mreverse\x1b[0m \x1b[4munderline\x1b[0m \x1b[3mitalic\x1b[0m 漢字かな wide\r\n" +
	"\x1b[44m blue background to the end of line\x1b[K\x1b[0m\r\n" +
	"\x1b[10;20H\x1b[32mgreen at 10,20\x1b[0m" +
	"\x1b[24;1Hstatus line" +
	"\x1b[3;20r" + // scroll region rows 3..20
	"\x1b[?2004h\x1b[?1000h\x1b[?1006h\x1b[?1h\x1b=\x1b[5 q" +
	"\x1b[12;40H\x1b[1;35m"

func tui([]string) int {
	os.Stdout.WriteString(TUIScreen)
	waitSignal()
	return 0
}

// colour asks for the background colour (OSC 11), then for the cursor
// position, and reports every answer it got.
func colour([]string) int {
	term.MakeRaw(0)
	os.Stdout.WriteString("\x1b]11;?\x07\x1b[6n")
	got, ok := readAnswer()
	if !ok {
		return 1
	}
	fmt.Printf("\r\nanswers %q\r\n", got)
	waitSignal()
	return 0
}

// readAnswer reads terminal input up to the end of a cursor position
// report (the final R).
func readAnswer() ([]byte, bool) {
	buf := make([]byte, 256)
	var got []byte
	for !strings.Contains(string(got), "R") {
		n, err := os.Stdin.Read(buf)
		if err != nil {
			return got, false
		}
		got = append(got, buf[:n]...)
	}
	return got, true
}

// cpr asks the terminal for the cursor position and waits for the answer,
// as many programs do at start. Then it says what it got.
func cpr(args []string) int {
	term.MakeRaw(0)
	buf := make([]byte, 64)
	if len(args) > 0 && args[0] == "wait" { // for a key first
		os.Stdout.WriteString("press a key\r\n")
		os.Stdin.Read(buf)
	}
	os.Stdout.WriteString("asking\x1b[6n")
	got, ok := readAnswer()
	if !ok {
		return 1
	}
	fmt.Printf("\r\ngot answer %q\r\n", got)
	waitSignal()
	return 0
}

// winsize prints the window size at start and after every SIGWINCH.
func winsize([]string) int {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGWINCH)
	for {
		w, h, err := term.GetSize(0)
		fmt.Printf("size %dx%d %v\r\n", w, h, err)
		<-c
	}
}

// flood writes n bytes of numbered text lines, then "flood done". With a
// second argument "wait" it waits for a key first.
func flood(args []string) int {
	n, _ := strconv.Atoi(args[0])
	if len(args) > 1 && args[1] == "wait" {
		term.MakeRaw(0)
		os.Stdin.Read(make([]byte, 1))
	}
	w := bufio.NewWriterSize(os.Stdout, 64<<10)
	line := 0
	for n > 0 {
		s := fmt.Sprintf("line %08d the quick brown fox jumps over the lazy dog 0123456789\r\n", line)
		line++
		if len(s) > n {
			s = s[:n]
		}
		w.WriteString(s)
		n -= len(s)
	}
	w.WriteString("\r\nflood done\r\n")
	w.Flush()
	waitSignal()
	return 0
}

// fds lists the program's open file descriptors, probed with fcntl, except
// the cgroup files the Go runtime itself keeps open.
func fds([]string) int {
	var list []string
	for fd := 0; fd < 1024; fd++ {
		if _, _, e := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_GETFD, 0); e == 0 {
			target, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
			if !strings.HasPrefix(target, "/sys/fs/cgroup/") {
				list = append(list, strconv.Itoa(fd))
			}
		}
	}
	fmt.Printf("fds: %s\r\n", strings.Join(list, ","))
	waitSignal()
	return 0
}

// env prints the environment, sorted, then the signal dispositions line.
func env([]string) int {
	e := os.Environ()
	sort.Strings(e)
	for _, kv := range e {
		fmt.Printf("%s\r\n", kv)
	}
	fmt.Printf("env done\r\n")
	waitSignal()
	return 0
}

// exit prints a line and exits with the given code.
func exit(args []string) int {
	code, _ := strconv.Atoi(args[0])
	fmt.Printf("exiting %d\r\n", code)
	return code
}

func sleep(args []string) int {
	d, _ := time.ParseDuration(args[0])
	time.Sleep(d)
	return 0
}

// ignoreTerm ignores SIGTERM and SIGHUP; with "child" it also starts a
// grandchild (itself) that does the same, in the same process group.
func ignoreTerm(args []string) int {
	signal.Ignore(syscall.SIGTERM, syscall.SIGHUP)
	if len(args) > 0 && args[0] == "child" {
		self, _ := os.Executable()
		p, err := os.StartProcess(self, []string{self}, &os.ProcAttr{
			Env:   append(os.Environ(), EnvVar+"=ignore"),
			Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		})
		if err != nil {
			fmt.Println(err)
			return 1
		}
		fmt.Printf("grandchild %d\r\n", p.Pid)
	}
	fmt.Printf("ignoring TERM\r\n")
	for {
		time.Sleep(time.Hour)
	}
}

// stall puts the terminal in raw mode and reads no input until SIGUSR1;
// then it reads everything, reporting the total and the last bytes it got.
func stall([]string) int {
	term.MakeRaw(0)
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGUSR1)
	os.Stdout.WriteString("stalled\r\n")
	<-c
	os.Stdout.WriteString("reading\r\n")
	buf := make([]byte, 64<<10)
	var tail []byte
	total := 0
	for {
		n, err := os.Stdin.Read(buf)
		total += n
		tail = append(tail, buf[:n]...)
		tail = tail[max(len(tail)-32, 0):]
		fmt.Printf("got %d tail %q\r\n", total, tail)
		if err != nil {
			return 0
		}
	}
}

// yes floods "y" lines, like yes(1), until a key arrives (Ctrl-C in raw
// mode), then stops and prints a prompt, as a shell would after Ctrl-C.
func yes([]string) int {
	term.MakeRaw(0)
	stop := make(chan struct{})
	go func() {
		os.Stdin.Read(make([]byte, 64))
		close(stop)
	}()
	chunk := []byte(strings.Repeat("y\r\n", 2048))
	for {
		select {
		case <-stop:
			os.Stdout.WriteString("\r\nPROMPT$ ")
			waitSignal()
			return 0
		default:
			os.Stdout.Write(chunk)
		}
	}
}

// queries asks the terminal for its status and the cursor position, then
// reports every byte of input it gets (the answers, and anything else).
func queries(args []string) int {
	term.MakeRaw(0)
	buf := make([]byte, 256)
	if len(args) > 0 && args[0] == "wait" { // for a key first
		os.Stdout.WriteString("press a key\r\n")
		os.Stdin.Read(buf)
	}
	os.Stdout.WriteString("asking\x1b[5n\x1b[6n")
	var got []byte
	for {
		n, err := os.Stdin.Read(buf)
		got = append(got, buf[:n]...)
		fmt.Printf("\r\ninput so far %q\r\n", got)
		if err != nil {
			return 0
		}
	}
}

func waitSignal() {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT)
	<-c
}
