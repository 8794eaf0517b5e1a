// record.go records real programs' terminal output: a program runs in a
// window of a Server (so a real terminal answers its queries), pipe-pane
// copies every byte it writes, and scripted keys are typed with pauses.

package reftest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// A Scenario is one recording: a shell command run in a fresh 80x24 window
// with TERM=xterm-256color, and the steps a user takes.
type Scenario struct {
	Name  string
	Setup func(dir string) error // writes the files Cmd uses; may be nil
	Cmd   string                 // sh -c command line, run in a temporary directory
	Lang  string                 // LANG; C.UTF-8 if empty
	Steps []Step
}

// A Step is one thing the user does; build it with Keys, Typed, WaitFor,
// Pause, Mark or EnterUntil.
type Step struct {
	keys  []string
	typed string
	wait  string
	pause time.Duration
	mark  string
	loop  *loop
}

// A loop presses Enter at each prompt until the screen shows until, marking
// every stop with prefix and a number (vttest's "Push <RETURN>" screens).
type loop struct {
	prefix, until string
}

// Keys sends tmux key names (Enter, Escape, C-x, F10, Up...).
func Keys(k ...string) Step { return Step{keys: k} }

// Typed types text one character at a time.
func Typed(s string) Step { return Step{typed: s} }

// WaitFor waits until the screen shows text.
func WaitFor(text string) Step { return Step{wait: text} }

// Pause waits.
func Pause(d time.Duration) Step { return Step{pause: d} }

// Mark waits until the output settles (the program waits for input) and
// records a cut there.
func Mark(label string) Step { return Step{mark: label} }

// EnterUntil marks a cut and presses Enter, again and again, until the
// screen shows until; the cuts are labelled prefix01, prefix02...
func EnterUntil(prefix, until string) Step { return Step{loop: &loop{prefix: prefix, until: until}} }

// recording is one scenario being recorded.
type recording struct {
	srv    *Server
	target string // session name
	file   string // the stream being written by pipe-pane
	cuts   []Cut
}

// Record runs sc and returns the bytes the program wrote and the cuts its
// Mark steps took. The program must exit at the end of the steps.
func (s *Server) Record(sc Scenario) ([]byte, []Cut, error) {
	dir, err := os.MkdirTemp("", "record-"+sc.Name+"-")
	if err != nil {
		return nil, nil, fmt.Errorf("record %s: %w", sc.Name, err)
	}
	defer os.RemoveAll(dir)
	if sc.Setup != nil {
		if err := sc.Setup(dir); err != nil {
			return nil, nil, fmt.Errorf("record %s: setup: %w", sc.Name, err)
		}
	}
	r := &recording{srv: s, target: s.name("rec"), file: filepath.Join(dir, "stream.bin")}
	if err := r.start(sc, dir); err != nil {
		return nil, nil, fmt.Errorf("record %s: %w", sc.Name, err)
	}
	defer s.Run(nil, "kill-session", "-t", r.target)
	for _, st := range sc.Steps {
		if err := r.do(st); err != nil {
			return nil, nil, fmt.Errorf("record %s: %w", sc.Name, err)
		}
	}
	if err := r.waitExit(); err != nil {
		return nil, nil, fmt.Errorf("record %s: %w", sc.Name, err)
	}
	data, err := os.ReadFile(r.file)
	if err != nil {
		return nil, nil, fmt.Errorf("record %s: %w", sc.Name, err)
	}
	for i := range r.cuts {
		r.cuts[i].Ground = InGround(data[:r.cuts[i].Offset])
	}
	return data, r.cuts, nil
}

// start opens the session. The program starts only once pipe-pane is in
// place, so the stream holds every byte it wrote.
func (r *recording) start(sc Scenario, dir string) error {
	lang := sc.Lang
	if lang == "" {
		lang = "C.UTF-8"
	}
	gate := "tmux -S " + r.srv.Socket() + " wait-for go-" + r.target + "; " + sc.Cmd
	_, err := r.srv.Run(nil, "new-session", "-d", "-s", r.target, "-x", "80", "-y", "24",
		"-e", "TERM=xterm-256color", "-e", "LANG="+lang, "-e", "LC_ALL=", "-e", "HOME="+dir,
		"-e", "HISTFILE=/dev/null", "-c", dir, gate, ";",
		"pipe-pane", "-O", "-t", r.target, "cat > "+r.file+".part && mv "+r.file+".part "+r.file, ";",
		"wait-for", "-S", "go-"+r.target)
	return err
}

func (r *recording) do(st Step) error {
	switch {
	case st.keys != nil:
		_, err := r.srv.Run(nil, append([]string{"send-keys", "-t", r.target}, st.keys...)...)
		time.Sleep(150 * time.Millisecond) // a user's pace
		return err
	case st.typed != "":
		for _, c := range st.typed {
			k := string(c)
			if k == ";" {
				k = `\;` // a lone ";" separates tmux commands
			}
			if _, err := r.srv.Run(nil, "send-keys", "-t", r.target, "-l", k); err != nil {
				return err
			}
			time.Sleep(40 * time.Millisecond)
		}
		return nil
	case st.wait != "":
		return r.waitScreen(st.wait, 15*time.Second)
	case st.pause > 0:
		time.Sleep(st.pause)
		return nil
	case st.mark != "":
		return r.markCut(st.mark)
	case st.loop != nil:
		return r.enterLoop(st.loop)
	}
	return errors.New("empty step")
}

// screen returns the window's text.
func (r *recording) screen() (string, error) {
	b, err := r.srv.Run(nil, "capture-pane", "-p", "-t", r.target)
	return string(b), err
}

func (r *recording) waitScreen(text string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		scr, err := r.screen()
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

// settle waits until the stream has not grown for 300 ms (the program
// waits for input) and returns its length.
func (r *recording) settle() (int, error) {
	last, stable := int64(-1), 0
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
		st, err := os.Stat(r.file + ".part")
		if err != nil {
			return 0, err
		}
		if st.Size() == last {
			stable++
			if stable == 6 {
				return int(last), nil
			}
		} else {
			stable, last = 0, st.Size()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, errors.New("output did not settle in 15s")
}

func (r *recording) markCut(label string) error {
	n, err := r.settle()
	if err != nil {
		return err
	}
	r.cuts = append(r.cuts, Cut{Label: label, Offset: n})
	return nil
}

func (r *recording) enterLoop(l *loop) error {
	for i := 1; i <= 100; i++ {
		if err := r.markCut(fmt.Sprintf("%s%02d", l.prefix, i)); err != nil {
			return err
		}
		if _, err := r.srv.Run(nil, "send-keys", "-t", r.target, "Enter"); err != nil {
			return err
		}
		if _, err := r.settle(); err != nil {
			return err
		}
		scr, err := r.screen()
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
func (r *recording) waitExit() error {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(r.file); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	scr, _ := r.screen()
	return fmt.Errorf("program did not exit; the screen shows:\n%s", scr)
}

// WriteStream writes a recording as dir/NAME.bin and, if there are cuts,
// dir/NAME.cuts (the format LoadStreams reads).
func WriteStream(dir, name string, data []byte, cuts []Cut) error {
	if err := os.WriteFile(filepath.Join(dir, name+".bin"), data, 0o644); err != nil {
		return fmt.Errorf("write stream: %w", err)
	}
	cutsFile := filepath.Join(dir, name+".cuts")
	if len(cuts) == 0 {
		if err := os.Remove(cutsFile); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("write stream: %w", err)
		}
		return nil
	}
	var b bytes.Buffer
	for _, c := range cuts {
		fmt.Fprintf(&b, "%d %s\n", c.Offset, c.Label)
	}
	if err := os.WriteFile(cutsFile, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write stream: %w", err)
	}
	return nil
}
