// client.go is the local side: 'ptykeeper attach' on the user's terminal,
// and every other command forwarded to the daemon.

package attach

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	"golang.org/x/term"
)

// Command sends a non-interactive command to the daemon, copies its output
// and returns its exit status.
func Command(socket string, argv []string, stdout, stderr io.Writer) int {
	c, err := Dial(socket)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper: %v\n", err)
		return 1
	}
	defer c.Close()
	if err := sendHello(c, Hello{Version: Version, Argv: argv}); err != nil {
		fmt.Fprintf(stderr, "ptykeeper: %v\n", err)
		return 1
	}
	return copyFrames(NewDecoder(c), stdout, stderr, nil, nil)
}

func sendHello(w io.Writer, h Hello) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := WriteFrame(w, TypeHello, b); err != nil {
		return fmt.Errorf("talk to daemon: %w", err)
	}
	return nil
}

// copyFrames writes Data and Stderr frames out until the Exit frame, and
// returns its code. beforeExit runs before the exit message is printed;
// onAck, if set, gets the input acknowledgements.
func copyFrames(dec *Decoder, stdout, stderr io.Writer, beforeExit func(), onAck func(int)) int {
	for {
		typ, p, err := dec.Next()
		if err != nil {
			if beforeExit != nil {
				beforeExit()
			}
			fmt.Fprintf(stderr, "ptykeeper: connection to the daemon lost (%v)\n", err)
			return 1
		}
		switch typ {
		case TypeData:
			stdout.Write(p)
		case TypeStderr:
			stderr.Write(p)
		case TypeAck:
			if n, err := ParseAck(p); err == nil && onAck != nil {
				onAck(n)
			}
		case TypeExit:
			var e Exit
			json.Unmarshal(p, &e)
			if beforeExit != nil {
				beforeExit()
			}
			io.WriteString(stderr, e.Message)
			return e.Code
		}
	}
}

// ErrNotTerminal is returned when attach runs without a terminal.
var ErrNotTerminal = errors.New("stdin is not a terminal: run attach from an interactive terminal (over ssh, add -t)")

// AttachTerminal attaches the terminal on stdin/stdout to a session. It
// puts the terminal in raw mode and restores it on every way out. The exit
// status is 0 after a detach, the program's status if it exited.
func AttachTerminal(socket string, args []string, stdin, stdout *os.File, stderr io.Writer) int {
	a, err := ctl.ParseAttachArgs(args, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper attach: %v\n", err)
		return 2
	}
	key := ctl.DefaultDetachKey
	if a.DetachKey != nil {
		key = *a.DetachKey
	}
	in := int(stdin.Fd())
	if !term.IsTerminal(in) {
		fmt.Fprintf(stderr, "ptykeeper attach: %v\n", ErrNotTerminal)
		return 1
	}
	cols, rows, _ := term.GetSize(int(stdout.Fd()))
	c, err := Dial(socket)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper: %v\n", err)
		return 1
	}
	defer c.Close()
	if err := sendHello(c, Hello{Version: Version, Argv: append([]string{"attach"}, args...), Cols: cols, Rows: rows, TTY: true}); err != nil {
		fmt.Fprintf(stderr, "ptykeeper: %v\n", err)
		return 1
	}
	old, err := term.MakeRaw(in)
	if err != nil {
		fmt.Fprintf(stderr, "ptykeeper attach: raw mode: %v\n", err)
		return 1
	}
	var restoreOnce sync.Once
	restore := func() { restoreOnce.Do(func() { term.Restore(in, old) }) }
	defer restore()

	var wmu sync.Mutex // one writer of the connection at a time
	send := func(typ byte, p []byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		return WriteFrame(c, typ, p)
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGWINCH, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGINT)
	defer signal.Stop(sigs)
	go forwardSignals(sigs, c, int(stdout.Fd()), send)
	typed := newInputSender(send)
	defer typed.close()
	go forwardInput(stdin, key, typed, send)
	return copyFrames(NewDecoder(c), stdout, stderr, restore, typed.ack)
}

// forwardSignals sends window changes and ends the attach on TERM, HUP and
// INT (the deferred restore then runs as the frames loop returns).
func forwardSignals(sigs chan os.Signal, c net.Conn, out int, send func(byte, []byte) error) {
	for sig := range sigs {
		if sig != syscall.SIGWINCH {
			send(TypeDetach, nil)
			c.(*net.UnixConn).CloseWrite()
			return
		}
		if cols, rows, err := term.GetSize(out); err == nil {
			send(TypeResize, ResizePayload(cols, rows))
		}
	}
}

// forwardInput passes keystrokes on as they come, byte for byte, until the
// detach key. It never waits for the program: typing queues in typed, and
// the detach key is sent at once, past any queued input.
func forwardInput(stdin *os.File, key ctl.DetachKey, typed *inputSender, send func(byte, []byte) error) {
	buf := make([]byte, 4096)
	for {
		n, err := stdin.Read(buf)
		if n > 0 {
			p, detach := ctl.SplitDetach(buf[:n], key)
			if len(p) > 0 {
				typed.add(p)
			}
			if detach {
				send(TypeDetach, nil)
				return
			}
		}
		if err != nil {
			send(TypeDetach, nil)
			return
		}
	}
}
