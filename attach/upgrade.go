// upgrade.go keeps local clients attached across `ptykeeper upgrade`: the
// server stops accepting, every attached client's connection is stopped
// between two frames (its client frozen, its reader past its deadline),
// and what the connection carries on is described (FrozenConn): the new
// daemon gets the same connection (the fd survives the exec) and goes on
// exactly where this one stopped, and the user sees at most a pause.
// Command connections end, but for the one that asked for the upgrade.

package attach

import (
	"errors"
	"fmt"
	"net"
	"runtime/debug"
	"sync"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
)

// attachConn is one attached client's connection: the goroutine that
// streams output to it (runAttach's), one that reads its frames, one that
// acknowledges its input.
type attachConn struct {
	s    *Server
	c    *net.UnixConn
	name string
	cl   *ptykeeper.Client
	dec  *Decoder
	wmu  sync.Mutex // one writer of c at a time: output, acks, the exit frame
	acks int        // input taken by the program, not yet acknowledged

	stopped chan *FrozenConn // after a Freeze: its state, or nil if it ended
	next    chan bool        // then: true to go on (thaw), false to let go (handed over)
}

// FrozenConn is an attached client's connection stopped for an upgrade.
type FrozenConn struct {
	Conn    *net.UnixConn `json:"-"`
	FD      int           // Conn's fd number, inherited across the exec
	Client  ptykeeper.ClientState
	Input   []byte // read from the connection, not yet decoded
	Unacked int    // input the program took, not yet acknowledged
}

func (s *Server) addAttach(a *attachConn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.frozen {
		return false
	}
	if s.attaches == nil {
		s.attaches = map[*attachConn]struct{}{}
	}
	s.attaches[a] = struct{}{}
	return true
}

func (s *Server) dropAttach(a *attachConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.attaches, a)
}

// runAttach serves an attached client until it detaches, its session ends,
// or it is handed over.
func (s *Server) runAttach(a *attachConn) {
	a.stopped, a.next = make(chan *FrozenConn, 1), make(chan bool, 1)
	if !s.addAttach(a) {
		sendExit(a.c, 1, "ptykeeper attach: the daemon is being upgraded; try again\n")
		a.cl.Close()
		return
	}
	defer s.dropAttach(a)
	defer func() {
		// A bug in one client's code ends that client, not the daemon;
		// an upgrade waiting for it to stop is not left waiting.
		if r := recover(); r != nil {
			s.Log.Error("attached client failed", "session", a.name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			a.cl.Close()
			a.c.Close()
			select {
			case a.stopped <- nil:
			default:
			}
		}
	}()
	for {
		code, msg, frozen := a.serve()
		if !frozen {
			s.Log.Info("detach", "session", a.name, "via", "socket", "reason", msg)
			sendExit(a.c, code, msg)
			a.c.Close()
			a.stopped <- nil
			return
		}
		if !<-a.next {
			return // handed over: the connection goes on in the new daemon
		}
	}
}

// serve runs the three goroutines until the client ends or is frozen.
func (a *attachConn) serve() (code int, msg string, frozen bool) {
	inputDone := make(chan []byte, 1) // the unsent keystrokes of a frozen client
	go func() {
		var f bool
		var unsent []byte
		a.s.contained(a.name, "input", func() { f, unsent = readInput(a.dec, a.cl) })
		if !f {
			a.cl.Close()
		}
		inputDone <- unsent
	}()
	acksDone := make(chan struct{})
	go func() {
		defer close(acksDone)
		a.s.contained(a.name, "acks", func() { a.acks = ackInput(a.c, &a.wmu, a.cl, a.acks) })
	}()
	buf := make([]byte, HeaderLen+32<<10)
	code, msg = Stream(a.cl, a.name, buf, HeaderLen, func(p []byte) error {
		PutHeader(p, TypeData, len(p)-HeaderLen)
		a.wmu.Lock()
		defer a.wmu.Unlock()
		_, err := a.c.Write(p)
		return err
	})
	if code >= 0 {
		a.cl.Close() // ends the acknowledgements
		<-acksDone
		a.c.SetReadDeadline(time.Unix(1, 0)) // ends the reader
		<-inputDone
		a.c.SetReadDeadline(time.Time{})
		return code, msg, false
	}
	// Frozen: the client was kicked, which ends the acknowledgements; the
	// reader stops at its deadline, between two frames.
	<-acksDone
	a.c.SetReadDeadline(time.Unix(1, 0))
	unsent := <-inputDone
	a.c.SetReadDeadline(time.Time{})
	st := a.cl.State()
	a.cl.Release()
	fd, _ := rawConnFD(a.c)
	// What the client sent and the program did not get: the frame the
	// frozen client refused, as it came, then what was not decoded yet.
	var input []byte
	if unsent != nil {
		input = make([]byte, HeaderLen, HeaderLen+len(unsent))
		PutHeader(input, TypeData, len(unsent))
		input = append(input, unsent...)
	}
	input = append(input, a.dec.Pending()...)
	a.stopped <- &FrozenConn{Conn: a.c, FD: fd, Client: st, Input: input, Unacked: a.acks}
	return 0, "", true
}

// Freeze stops the server for an upgrade: it stops accepting, stops every
// attached client between two frames and describes it, and closes every
// other connection but keep (the one that asked for the upgrade). A client
// whose connection does not take its output within wait is dropped.
func (s *Server) Freeze(keep net.Conn, wait time.Duration) []FrozenConn {
	s.mu.Lock()
	s.frozen = true
	if s.listener != nil {
		s.listener.SetDeadline(time.Unix(1, 0))
	}
	var list []*attachConn
	for a := range s.attaches {
		list = append(list, a)
	}
	for c := range s.conns {
		if c != keep && !s.isAttach(c) {
			c.Close()
		}
	}
	s.mu.Unlock()
	var out []FrozenConn
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for _, a := range list {
		a.cl.Freeze()
		var f *FrozenConn
		select {
		case f = <-a.stopped:
		case <-deadline.C:
			// Its connection is not taking output: it cannot be stopped
			// between two frames, so it is dropped.
			a.c.SetWriteDeadline(time.Unix(1, 0))
			f = <-a.stopped
		}
		if f != nil {
			out = append(out, *f)
		}
	}
	return out
}

// Release lets go of the frozen clients after a hand-over in this same
// process (tests): the new server has them; Serve returns.
func (s *Server) Release() {
	s.mu.Lock()
	s.released = true
	for a := range s.attaches {
		a.next <- false
	}
	s.thawed.Broadcast()
	s.mu.Unlock()
}

func (s *Server) isAttach(c net.Conn) bool {
	for a := range s.attaches {
		if a.c == c {
			return true
		}
	}
	return false
}

// Thaw undoes Freeze (the upgrade was abandoned): the frozen clients go on,
// resumed from their states, and the server accepts again.
func (s *Server) Thaw(frozen []FrozenConn) {
	s.mu.Lock()
	var list []*attachConn
	for a := range s.attaches {
		list = append(list, a)
	}
	s.frozen = false
	if s.listener != nil {
		s.listener.SetDeadline(time.Time{})
	}
	s.thawed.Broadcast()
	s.mu.Unlock()
	for _, a := range list {
		for _, f := range frozen {
			if f.Conn != a.c {
				continue
			}
			if err := a.resume(s.Keeper, f); err != nil {
				s.Log.Warn("client not resumed after an abandoned upgrade", "session", a.name, "err", err)
				a.c.Close()
				a.next <- false
				continue
			}
			a.next <- true
		}
	}
}

// resume makes a go on from f, with a new client.
func (a *attachConn) resume(k *ptykeeper.Keeper, f FrozenConn) error {
	sess, err := k.Get(f.Client.Session)
	if err != nil {
		return err
	}
	cl, err := sess.Resume(f.Client)
	if err != nil {
		return err
	}
	a.cl, a.dec, a.acks = cl, NewDecoderAfter(a.c, f.Input), f.Unacked
	return nil
}

// Resume serves, in a new daemon, the connections an earlier one froze.
func (s *Server) Resume(frozen []FrozenConn) error {
	var errs []error
	for _, f := range frozen {
		a := &attachConn{s: s, c: f.Conn, name: f.Client.Session}
		if err := a.resume(s.Keeper, f); err != nil {
			errs = append(errs, err)
			f.Conn.Close()
			continue
		}
		if !s.track(f.Conn, true) {
			f.Conn.Close()
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.track(f.Conn, false)
			s.runAttach(a)
		}()
	}
	return errors.Join(errs...)
}

// rawConnFD returns a connection's fd number without changing it.
func rawConnFD(c *net.UnixConn) (int, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := -1
	err = rc.Control(func(u uintptr) { fd = int(u) })
	return fd, err
}

// contained runs a client goroutine's step f; a panic in it is logged and
// ends the step (the caller then ends the client), not the daemon.
func (s *Server) contained(session, step string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			s.Log.Error("attached client failed", "session", session, "step", step, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	f()
}
