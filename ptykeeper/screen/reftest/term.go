// term.go owns one reference terminal: an empty tmux pane of an exact size
// that bytes are written into as if a program had printed them, and whose
// state is read back after each write.

package reftest

import (
	"fmt"
	"strconv"
)

// Term is a fresh terminal in a Server: a tmux pane with no process
// (split-window ”), moved into a window of its own of exactly cols x rows.
// Bytes reach it through `display-message -I`, which returns only once tmux
// has parsed them all, so no polling is needed; answers to queries in the
// bytes (DA, DSR...) go nowhere, because the pane has no process.
//
// A Term is not safe for concurrent use; different Terms are.
type Term struct {
	srv        *Server
	win        string // base:NAME, the window's target
	cols, rows int
	created    bool
}

// NewTerm returns a terminal of cols x rows. It is created on the first
// Feed.
func (s *Server) NewTerm(cols, rows int) *Term {
	return &Term{srv: s, win: baseSession + ":" + s.name("t"), cols: cols, rows: rows}
}

// ris resets the fresh pane: tmux makes empty panes with a hidden cursor
// and newline-implies-carriage-return, which RIS undoes.
const ris = "\x1bc"

// Feed writes p to the terminal and returns its state afterwards.
func (t *Term) Feed(p []byte) (*State, error) {
	var args []string
	if !t.created {
		// The split-off pane is moved at once into its own window, so
		// the base window never holds more than one pane for long; one
		// client's commands run without interleaving with another's.
		args = []string{
			"split-window", "-d", "-t", baseSession + ":0.0", "", ";",
			"break-pane", "-d", "-s", baseSession + ":0.1", "-n", t.win[len(baseSession)+1:], ";",
			"resize-window", "-t", t.win, "-x", strconv.Itoa(t.cols), "-y", strconv.Itoa(t.rows), ";",
		}
		p = append([]byte(ris), p...)
		t.created = true
	}
	args = append(args,
		"display-message", "-I", "-t", t.win, ";",
		"capture-pane", "-p", "-e", "-N", "-t", t.win, ";",
		"display-message", "-p", "-t", t.win, stateFormat)
	out, err := t.srv.Run(p, args...)
	if err != nil {
		return nil, fmt.Errorf("reference terminal: %w", err)
	}
	st, err := parseState(out, t.cols, t.rows)
	if err != nil {
		return nil, fmt.Errorf("reference terminal: %w", err)
	}
	return st, nil
}

// Close removes the terminal.
func (t *Term) Close() error {
	if !t.created {
		return nil
	}
	_, err := t.srv.Run(nil, "kill-window", "-t", t.win)
	return err
}

// Screen returns what a terminal of cols x rows shows and keeps after
// receiving p: one fresh Term, fed once and removed.
func (s *Server) Screen(p []byte, cols, rows int) (*State, error) {
	t := s.NewTerm(cols, rows)
	defer t.Close()
	return t.Feed(p)
}
