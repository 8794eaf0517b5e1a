// The client of the throughput and latency tests: a command in a PTY of its
// own whose output the test reads itself, chunk by chunk.
package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/creack/pty"
)

// client is a command attached in a PTY of its own, as in a terminal. A
// goroutine reads the PTY (creack/pty's master ignores read deadlines).
type client struct {
	cmd *exec.Cmd
	pty *os.File
	out chan []byte
}

func startClient(c *exec.Cmd) *client {
	c.Env = append(c.Env, "TERM=xterm-256color")
	if c.Env[0] == "TERM=xterm-256color" {
		c.Env = append(os.Environ(), c.Env...)
	}
	p, err := pty.StartWithSize(c, &pty.Winsize{Cols: 80, Rows: 24})
	check(err)
	cl := &client{cmd: c, pty: p, out: make(chan []byte, 1024)}
	go func() {
		defer close(cl.out)
		buf := make([]byte, 64<<10)
		for {
			n, err := p.Read(buf)
			if n > 0 {
				cl.out <- bytes.Clone(buf[:n]) // only what was read: little garbage
			}
			if err != nil {
				return
			}
		}
	}()
	return cl
}

func (c *client) close() {
	c.cmd.Process.Kill()
	c.cmd.Wait()
	c.pty.Close()
}

// readUntil reads the client's terminal until marker shows up.
func (c *client) readUntil(marker []byte, timeout time.Duration) error {
	deadline := time.After(timeout)
	var tail []byte
	for {
		select {
		case b, ok := <-c.out:
			if !ok {
				return fmt.Errorf("client exited")
			}
			tail = append(tail, b...)
			if bytes.Contains(tail, marker) {
				return nil
			}
			if len(tail) > 4096 {
				tail = append(tail[:0], tail[len(tail)-len(marker):]...)
			}
		case <-deadline:
			return fmt.Errorf("timed out waiting for %q", marker)
		}
	}
}

func (c *client) drain() {
	go func() {
		for range c.out {
		}
	}()
}

func (c *client) drainPending() {
	for {
		select {
		case <-c.out:
		case <-time.After(50 * time.Millisecond):
			return
		}
	}
}
