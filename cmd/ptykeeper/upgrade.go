package main

// upgrade.go: `ptykeeper upgrade` replaces the daemon's binary without
// ending a program. The old image freezes everything (local clients between
// two frames, sessions between two reads), writes its state into a sealed
// memfd, asks the new binary to check it (a dry run in a child process),
// and only then execve()s the new binary in place: same pid, so the
// programs stay its children, and every fd that matters (PTY masters, the
// socket and its lock, SSH listeners, local client connections) survives.
// The new image restores the sessions and clients from the state and goes
// on. SSH connections cannot be carried over (their keys live in this
// process): their clients get a notice and exit status 75, and reconnect.
// If anything fails before the exec (or the exec itself), nothing changed.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"github.com/ptykeeper/ptykeeper/attach"
	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/config"
	"github.com/ptykeeper/ptykeeper/ptykeeper/ctl"
	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
)

// stateFormat is the version of daemonImage this binary writes, and the
// oldest it reads. Bump Version (and keep Oldest) when daemonImage, or the
// ptykeeper/attach state types in it, gain or lose a field: the decoder is
// strict.
var stateFormat = handover.Format{Version: 1, Oldest: 1}

// upgradeExit is the exit status SSH clients get when the daemon is
// upgraded: EX_TEMPFAIL, "try again", distinct from a detach (0) and a
// lost connection (255); examples/shell reconnects at once on it.
const upgradeExit = 75

// daemonImage is what a daemon hands to its upgraded self.
type daemonImage struct {
	Version    string // of the binary that wrote it
	Config     *config.Config
	LogFormat  string
	Pidfile    string
	Exe        string
	SocketPath string
	SocketFD   int
	LockFD     int
	SSHFDs     []int
	SSHAddrs   []string // the configured address of each
	Sessions   []ptykeeper.SessionState
	Clients    []attach.FrozenConn
	CallerFD   int       // the connection `upgrade` came on; -1: none
	FrozenAt   time.Time // when the programs stopped being drained
	SSHEnded   int       // SSH channels asked to reconnect
}

// decodeImage is the dry run's check: the state decodes, and makes sense.
func decodeImage(f *os.File) error {
	var img daemonImage
	if err := stateFormat.Decode(f, &img); err != nil {
		return err
	}
	return img.valid()
}

func (img *daemonImage) valid() error {
	if img.Config == nil {
		return errors.New("state without a config")
	}
	if img.SocketFD < 0 || img.LockFD < 0 {
		return errors.New("state without the socket or its lock")
	}
	for _, s := range img.Sessions {
		if err := s.Spec.Defaults().Validate(); err != nil {
			return err
		}
		if s.Run != nil && (s.Run.Pid <= 0 || s.Run.MasterFD < 0) {
			return fmt.Errorf("session %s: no program or PTY", s.Spec.Name)
		}
	}
	return nil
}

// Upgrade is the old image's side (see the file comment). It returns only
// when the upgrade did not happen, with the reason; nothing changed then.
func (d *daemonState) Upgrade(req ctl.UpgradeRequest) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	binary := req.Binary
	if binary == "" {
		binary = d.exe
	}
	binary, err := filepath.Abs(binary)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(binary); err != nil {
		return "", fmt.Errorf("upgrade: %w", err)
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = handover.DefaultCheckTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	caller, _ := req.Reply.(*net.UnixConn)
	d.log.Info("upgrading", "binary", binary)

	clients := d.srv.Freeze(caller, 2*time.Second)
	frozenAt := time.Now()
	frozen, err := d.freezeKeeper(ctx)
	if err != nil {
		d.srv.Thaw(clients)
		return "", fmt.Errorf("upgrade: %w; nothing changed", err)
	}
	img, files, err := d.image(binary, clients, frozen, caller, frozenAt)
	var state *os.File
	if err == nil {
		state, err = stateFormat.NewStateFile(img)
	}
	if err == nil {
		err = handover.Check(ctx, binary, state, ptykeeper.StartHelper)
	}
	if err == nil {
		// The point of no return, but for the exec failing.
		if d.ssh != nil {
			img.SSHEnded = d.ssh.Goodbye("[ptykeeper is being upgraded; reconnect]", upgradeExit)
			// The state said 0: write it again with the count.
			state.Close()
			state, err = stateFormat.NewStateFile(img)
		}
	}
	if err == nil {
		handover.Reloading()
		argv := append([]string{binary}, os.Args[1:]...)
		err = handover.Exec(binary, argv, os.Environ(), state, files...)
		sd.SdNotify(false, sd.SdNotifyReady)
	}
	// Not upgraded: everything goes on.
	if state != nil {
		state.Close()
	}
	d.k.Thaw(frozen)
	d.srv.Thaw(clients)
	d.log.Error("upgrade failed; nothing changed", "binary", binary, "err", err)
	return "", fmt.Errorf("upgrade to %s: %w; nothing changed", binary, err)
}

// freezeKeeper freezes the keeper, waiting (up to ctx) while a session is
// busy stopping or just exited.
func (d *daemonState) freezeKeeper(ctx context.Context) (*ptykeeper.Frozen, error) {
	for {
		f, err := d.k.Freeze()
		if err == nil {
			return f, nil
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// image describes the daemon for the new image, and lists the fds that
// must survive the exec.
func (d *daemonState) image(binary string, clients []attach.FrozenConn, f *ptykeeper.Frozen, caller *net.UnixConn, frozenAt time.Time) (*daemonImage, []int, error) {
	img := &daemonImage{
		Version: ctl.Version(), Config: d.cfg, LogFormat: d.opts.logFormat, Pidfile: d.opts.pidfile,
		Exe: binary, SocketPath: d.l.Path, Sessions: f.Sessions, Clients: clients,
		CallerFD: -1, FrozenAt: frozenAt,
	}
	var files []int
	add := func(c syscall.Conn) (int, error) {
		fd, err := handover.FD(c)
		if err == nil {
			files = append(files, fd)
		}
		return fd, err
	}
	var err error
	if img.SocketFD, err = add(d.l.UnixListener); err != nil {
		return nil, nil, err
	}
	if img.LockFD, err = add(d.l.Lock()); err != nil {
		return nil, nil, err
	}
	if d.ssh != nil {
		for _, l := range d.sshListeners {
			sc, ok := l.(syscall.Conn)
			if !ok {
				return nil, nil, fmt.Errorf("SSH listener %v cannot be handed over", l.Addr())
			}
			fd, err := add(sc)
			if err != nil {
				return nil, nil, err
			}
			img.SSHFDs = append(img.SSHFDs, fd)
		}
		img.SSHAddrs = d.sshAddrs
	}
	for _, m := range f.Masters {
		if _, err := add(m); err != nil {
			return nil, nil, err
		}
	}
	for _, c := range clients {
		files = append(files, c.FD)
	}
	if caller != nil {
		if img.CallerFD, err = add(caller); err != nil {
			return nil, nil, err
		}
	}
	return img, files, nil
}

// resumeDaemon is the new image's side: it takes over from the state the
// old image left, and then serves as runDaemon does.
func resumeDaemon(o *serveOptions, stateFile *os.File, stderr io.Writer) int {
	sigs := catchSignals() // exec reset them to default: shut that window at once
	oneThread()
	var img daemonImage
	err := stateFormat.Decode(stateFile, &img)
	stateFile.Close()
	if err == nil {
		err = img.valid()
	}
	if err != nil {
		// The dry run said yes, so this is not expected; there is nothing
		// to go back to.
		fmt.Fprintf(stderr, "ptykeeper: cannot take over after an upgrade: %v\n", err)
		return 1
	}
	log := newLogger(img.LogFormat, stderr)
	// The command line stays in force (a reload re-reads the same file and
	// keeps --session and --demo sessions); the state says where things are.
	o.logFormat, o.pidfile, o.socket = img.LogFormat, img.Pidfile, img.SocketPath
	cfg := img.Config
	adoptFile := func(fd int) (*os.File, error) { return handover.AdoptFile(fd, "/dev/ptmx") }
	k, err := ptykeeper.Restore(ptykeeper.Options{SizePolicy: cfg.SizePolicy, Logger: log, Sink: logSink(cfg)}, img.Sessions, adoptFile)
	if err != nil {
		log.Error("sessions not taken over", "err", err)
	}
	// Only now: the programs' pids are registered, so one that exited
	// during the hand-over is reaped with its status, not as an orphan.
	if err := ptykeeper.EnableSubreaper(); err != nil {
		log.Warn("orphans will not be reaped", "err", err)
	}
	sockLn, err := handover.AdoptListener(img.SocketFD)
	lock, lerr := handover.AdoptFile(img.LockFD, img.SocketPath+".lock")
	ul, ok := sockLn.(*net.UnixListener)
	if err != nil || lerr != nil || !ok {
		log.Error("cannot take over the socket", "err", errors.Join(err, lerr))
		return 1
	}
	l := attach.Adopt(ul, img.SocketPath, lock)
	d := &daemonState{opts: o, k: k, log: log, cfg: cfg, l: l, exe: img.Exe}
	d.srv = &attach.Server{Keeper: k, Daemon: d, Log: log}
	for i := range img.Clients {
		c, err := handover.AdoptConn(img.Clients[i].FD)
		if err != nil {
			log.Warn("client not taken over", "err", err)
			continue
		}
		img.Clients[i].Conn = c.(*net.UnixConn)
	}
	var kept []attach.FrozenConn
	for _, c := range img.Clients {
		if c.Conn != nil {
			kept = append(kept, c)
		}
	}
	if err := d.srv.Resume(kept); err != nil {
		log.Warn("clients not taken over", "err", err)
	}
	var sshLns []net.Listener
	for _, fd := range img.SSHFDs {
		ln, err := handover.AdoptListener(fd)
		if err != nil {
			log.Warn("SSH listener not taken over", "err", err)
			continue
		}
		sshLns = append(sshLns, ln)
	}
	served := make(chan error, 1)
	d.served = served
	if len(sshLns) > 0 {
		d.ssh, d.sshListeners, err = startSSHOn(cfg, k, d, log, served, sshLns)
		if err != nil {
			log.Error("SSH not resumed", "err", err)
		}
		d.sshAddrs = img.SSHAddrs
		if len(d.sshAddrs) != len(d.sshListeners) {
			d.sshAddrs = listenAddrs(cfg, d.sshListeners)
		}
	}
	notDrained := time.Since(img.FrozenAt)
	msg := fmt.Sprintf("upgraded: pid %d (unchanged), %s handed over, %s kept, %s asked to reconnect, %d ms",
		os.Getpid(), count(len(k.Names()), "session"), count(len(kept), "client"), count(img.SSHEnded, "SSH client"), notDrained.Milliseconds())
	log.Info("upgraded", "from", img.Version, "to", ctl.Version(), "sessions", len(k.Names()), "clients", len(kept),
		"ssh_asked_to_reconnect", img.SSHEnded, "programs_not_drained_ms", notDrained.Milliseconds())
	if img.CallerFD >= 0 {
		answerCaller(img.CallerFD, msg+"\n", log)
	}
	go func() { served <- d.srv.Serve(l.UnixListener) }()
	sd.SdNotify(false, sd.SdNotifyReady)
	return d.loop(served, sigs)
}

// answerCaller tells the `ptykeeper upgrade` that asked how it went, on
// its connection carried over the exec.
func answerCaller(fd int, msg string, log *slog.Logger) {
	c, err := handover.AdoptConn(fd)
	if err != nil {
		log.Warn("could not answer the upgrade command", "err", err)
		return
	}
	defer c.Close()
	attach.WriteFrame(c, attach.TypeData, []byte(msg))
	b, _ := json.Marshal(attach.Exit{Code: 0})
	attach.WriteFrame(c, attach.TypeExit, b)
}

// upgradeNote is what serve logs on SIGTERM, and the README says too.
const upgradeNote = "stopping every program (to replace the binary and keep them running, use: ptykeeper upgrade)"

// count says "1 session", "2 sessions".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
