// Command record re-makes the recorded terminal streams in
// ptykeeper/screen/testdata/streams. It runs each program in a private tmux
// server (so a real terminal answers the program's queries), in an 80x24
// window with TERM=xterm-256color, records the raw bytes the program wrote
// to its PTY with pipe-pane, and types keys with pauses, waiting for the
// screen to show what a user would wait for.
//
// Besides NAME.bin it writes NAME.cuts: one "offset label" line for each
// point where the program sat waiting for input (a prompt, a key typed by
// the user). At those offsets every parser is in the ground state, so they
// are good places to cut the stream in differential tests.
//
//	go run ./ptykeeper/screen/reftest/cmd/record            # all
//	go run ./ptykeeper/screen/reftest/cmd/record vim htop   # some
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/screen/reftest"
)

func main() {
	out := flag.String("out", "ptykeeper/screen/testdata/streams", "directory to write the streams to")
	flag.Parse()
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

func run(out string, only []string) error {
	want := map[string]bool{}
	for _, n := range only {
		want[n] = true
	}
	srv, err := reftest.StartServer()
	if err != nil {
		return err
	}
	defer srv.Close()
	for _, sc := range scenarios() {
		if len(want) > 0 && !want[sc.name] {
			continue
		}
		start := time.Now()
		if err := record(srv, out, sc); err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		st, _ := os.Stat(filepath.Join(out, sc.name+".bin"))
		fmt.Printf("%-12s %8d bytes  %v\n", sc.name, st.Size(), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// A scenario is one recording: a shell command run in a fresh window, and
// the steps a user takes.
type scenario struct {
	name  string
	setup func(dir string) error // writes the files the command uses; may be nil
	cmd   string                 // sh -c command line, run in the scenario's directory
	lang  string                 // LANG; C.UTF-8 if empty
	steps []step
}

// A step is one thing the user does. Exactly one field is set.
type step struct {
	keys  []string      // tmux key names (Enter, Escape, C-x, F10, Up...)
	typed string        // text typed one character at a time
	wait  string        // wait until the screen shows this text
	pause time.Duration // wait this long
	mark  string        // record the current offset as a cut with this label
	loop  *loop         // repeat Enter until the screen shows a text
}

// A loop presses Enter at each prompt until the screen shows until, marking
// every stop with prefix and a number (vttest's "Push <RETURN>" screens).
type loop struct {
	prefix, until string
}

func keys(k ...string) step      { return step{keys: k} }
func typed(s string) step        { return step{typed: s} }
func waitFor(s string) step      { return step{wait: s} }
func pause(d time.Duration) step { return step{pause: d} }
func mark(label string) step     { return step{mark: label} }
func enterUntil(prefix, until string) step {
	return step{loop: &loop{prefix: prefix, until: until}}
}

// session is one scenario being recorded.
type session struct {
	srv    *reftest.Server
	target string // session name
	file   string // the stream being written by pipe-pane
	cuts   bytes.Buffer
}

func record(srv *reftest.Server, out string, sc scenario) error {
	dir, err := os.MkdirTemp("", "record-"+sc.name+"-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if sc.setup != nil {
		if err := sc.setup(dir); err != nil {
			return fmt.Errorf("setup: %w", err)
		}
	}
	lang := sc.lang
	if lang == "" {
		lang = "C.UTF-8"
	}
	s := &session{srv: srv, target: "rec-" + sc.name, file: filepath.Join(dir, "stream.bin")}
	// The program starts only once pipe-pane is in place, so the stream
	// holds every byte it wrote.
	gate := "tmux -S " + srv.Socket() + " wait-for go-" + sc.name + "; cd " + dir + " && " + sc.cmd
	_, err = srv.Run(nil, "new-session", "-d", "-s", s.target, "-x", "80", "-y", "24",
		"-e", "TERM=xterm-256color", "-e", "LANG="+lang, "-e", "LC_ALL=", "-e", "HOME="+dir,
		"-e", "HISTFILE=/dev/null", "-c", dir, gate, ";",
		"pipe-pane", "-O", "-t", s.target, "cat > "+s.file+".part && mv "+s.file+".part "+s.file, ";",
		"wait-for", "-S", "go-"+sc.name)
	if err != nil {
		return err
	}
	defer srv.Run(nil, "kill-session", "-t", s.target)
	for _, st := range sc.steps {
		if err := s.do(st); err != nil {
			return err
		}
	}
	if err := s.waitExit(); err != nil {
		return err
	}
	data, err := os.ReadFile(s.file)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, sc.name+".bin"), data, 0o644); err != nil {
		return err
	}
	cutsFile := filepath.Join(out, sc.name+".cuts")
	if s.cuts.Len() == 0 {
		os.Remove(cutsFile)
		return nil
	}
	return os.WriteFile(cutsFile, s.cuts.Bytes(), 0o644)
}

func (s *session) do(st step) error {
	switch {
	case st.keys != nil:
		_, err := s.srv.Run(nil, append([]string{"send-keys", "-t", s.target}, st.keys...)...)
		time.Sleep(150 * time.Millisecond) // a user's pace
		return err
	case st.typed != "":
		for _, r := range st.typed {
			k := string(r)
			if k == ";" {
				k = `\;` // a lone ";" separates tmux commands
			}
			if _, err := s.srv.Run(nil, "send-keys", "-t", s.target, "-l", k); err != nil {
				return err
			}
			time.Sleep(40 * time.Millisecond)
		}
		return nil
	case st.wait != "":
		return s.waitScreen(st.wait, 15*time.Second)
	case st.pause > 0:
		time.Sleep(st.pause)
		return nil
	case st.mark != "":
		return s.markCut(st.mark)
	case st.loop != nil:
		return s.enterLoop(st.loop)
	}
	return errors.New("empty step")
}

// screen returns the window's text.
func (s *session) screen() (string, error) {
	b, err := s.srv.Run(nil, "capture-pane", "-p", "-t", s.target)
	return string(b), err
}

func (s *session) waitScreen(text string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		scr, err := s.screen()
		if err != nil {
			return err
		}
		if strings.Contains(scr, text) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited %v for %q; the screen shows:\n%s", limit, text, scr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// settle waits until the stream has not grown for a while (the program
// waits for input) and returns its length.
func (s *session) settle() (int64, error) {
	var last int64 = -1
	stable := 0
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		st, err := os.Stat(s.file + ".part")
		if err != nil {
			return 0, err
		}
		if st.Size() == last {
			stable++
			if stable == 6 {
				return last, nil
			}
		} else {
			stable, last = 0, st.Size()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, errors.New("output did not settle in 15s")
}

func (s *session) markCut(label string) error {
	n, err := s.settle()
	if err != nil {
		return err
	}
	s.cuts.WriteString(strconv.FormatInt(n, 10) + " " + label + "\n")
	return nil
}

func (s *session) enterLoop(l *loop) error {
	for i := 1; i <= 100; i++ {
		if err := s.markCut(fmt.Sprintf("%s%02d", l.prefix, i)); err != nil {
			return err
		}
		if _, err := s.srv.Run(nil, "send-keys", "-t", s.target, "Enter"); err != nil {
			return err
		}
		if _, err := s.settle(); err != nil {
			return err
		}
		scr, err := s.screen()
		if err != nil {
			return err
		}
		if strings.Contains(scr, l.until) {
			return nil
		}
	}
	return fmt.Errorf("no %q after 100 prompts", l.until)
}

// waitExit waits for the program to end and pipe-pane to finish writing.
func (s *session) waitExit() error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(s.file); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	scr, _ := s.screen()
	return fmt.Errorf("program did not exit; the screen shows:\n%s", scr)
}
