package handover_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
)

// daemonState stands for the daemon's own state: sessions, clients, and the
// fd numbers of what it hands over.
type daemonState struct {
	PTYs     map[string]int // session name → PTY master fd
	Listener int
	Lock     int
}

var stateFormat = handover.Format{Version: 1}

// The old image's side of `ptykeeper upgrade`. It returns only if the
// hand-over was abandoned; the daemon then unfreezes and goes on.
func Example_oldImage() {
	var (
		ptmx     *os.File          // a session's PTY master
		listener *net.UnixListener // the attach socket
		lock     *os.File          // the socket's lock file
		binary   = "/usr/local/bin/ptykeeper"
	)
	// (freeze: stop reading PTYs and clients, stop spawning programs)
	st := daemonState{PTYs: map[string]int{}}
	var fds []int
	pty, _ := handover.FD(ptmx)
	st.PTYs["irc"] = pty
	st.Listener, _ = handover.FD(listener)
	st.Lock, _ = handover.FD(lock)
	fds = append(fds, pty, st.Listener, st.Lock)

	sf, err := stateFormat.NewStateFile(st)
	if err != nil {
		fmt.Println("upgrade:", err)
		return
	}
	defer sf.Close() // reached only if the hand-over is abandoned
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := handover.Check(ctx, binary, sf, nil); err != nil { // the daemon passes its reaper's StartFunc
		fmt.Println("upgrade:", err) // e.g. "dry run of …: rejected the state: …"
		return
	}
	handover.Reloading()
	err = handover.Exec(binary, []string{binary, "serve"}, os.Environ(), sf, fds...)
	fmt.Println("upgrade:", err) // execve failed: nothing changed
	// (unfreeze; send READY=1 again)
}

// The new image's side: main answers a dry run first thing, then resumes
// if it was exec'd by a hand-over.
func Example_newImage() {
	handover.RunCheck(func(f *os.File) error {
		var st daemonState
		return stateFormat.Decode(f, &st) // and validate: everything but acting on it
	})
	sf, resumed, err := handover.Resume()
	if err != nil {
		fmt.Println("resume:", err) // a hand-over was meant, its state is unusable
		os.Exit(1)
	}
	if !resumed {
		return // a normal start
	}
	var st daemonState
	err = stateFormat.Decode(sf, &st)
	sf.Close()
	if err != nil {
		fmt.Println("resume:", err)
		os.Exit(1)
	}
	for name, fd := range st.PTYs {
		ptmx, err := handover.AdoptFile(fd, "pty "+name)
		_, _ = ptmx, err // rebuild the session around it; register its pid with the reaper
	}
	ln, _ := handover.AdoptListener(st.Listener)
	ln.(*net.UnixListener).SetUnlinkOnClose(true) // as net.ListenUnix would
	lock, _ := handover.AdoptFile(st.Lock, "lock")
	_ = lock // still holds the flock: it was never released
	// (resume every reader; then READY=1)
}
