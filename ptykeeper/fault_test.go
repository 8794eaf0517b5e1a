package ptykeeper

// fault_test.go: what one misbehaving program, model or client must not do
// to the keeper (issue 9). `go test -run Fault ./...` runs the whole suite.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper/screen"
	"github.com/ptykeeper/ptykeeper/ptykeeper/testprog"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func shSpec(name, script string) Spec {
	return Spec{Name: name, Command: []string{"/bin/sh", "-c", script}, Autostart: true}
}

// Eleven bytes that crashed x/vt (a scroll region whose bottom lies past
// the last row, then insert line) leave the daemon and the other sessions
// running, and the session's screen is rebuilt from what follows.
func TestFaultCrashBytesContained(t *testing.T) {
	var logs syncBuffer
	k := newKeeper(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	other := addProg(t, k, "other", "counter")
	s, err := k.Add(shSpec("crash", `printf '\033[0;30r\033[L'; read x; echo "after $x"; exec sleep 1000`))
	if err != nil {
		t.Fatal(err)
	}
	waitSnapshot(t, other, "count 2")
	// Make sure the bytes have been parsed, whatever the model does with them.
	s.Snapshot(false)
	s.Send([]byte("crash\r"))
	waitSnapshot(t, s, "after crash")
	before := other.Status()
	waitSnapshot(t, other, "count "+strconv.Itoa(countOf(t, other)+2))
	if st := other.Status(); st.State != Running || st.Pid != before.Pid {
		t.Fatalf("other session after the crash: %+v", st)
	}
	t.Logf("log: %s", logs.String())
}

// countOf reads the newest "count N" of a counter session.
func countOf(t *testing.T, s *Session) int {
	t.Helper()
	snap := string(s.Snapshot(false))
	i := strings.LastIndex(snap, "count ")
	n := 0
	for _, c := range snap[i+len("count "):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// panicky is a screen model with a bug: it panics when it sees "BOOM" in
// Write, or on a repaint once armed.
type panicky struct {
	screenModel
	repaintBoom *atomic.Bool
}

func (p panicky) Write(b []byte) {
	if bytes.Contains(b, []byte("BOOM")) {
		panic("model bug")
	}
	p.screenModel.Write(b)
}

func (p panicky) AppendDiff(dst []byte, from *screen.Frame) []byte {
	if p.repaintBoom.CompareAndSwap(true, false) {
		panic("repaint bug")
	}
	return p.screenModel.AppendDiff(dst, from)
}

// A model that panics is contained to its session: logged with the
// session's name and the offset, rebuilt, and the screen is right again
// after the program's next output.
func TestFaultPanickingModel(t *testing.T) {
	var logs syncBuffer
	var boom atomic.Bool
	o := Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	o.newScreen = func(sz Size) screenModel { return panicky{newScreenModel(sz), &boom} }
	k := newKeeper(t, o)
	// The echo program echoes each write once, nothing more, so the chunk
	// that breaks the model holds nothing else.
	s := addProg(t, k, "echo", "echo")
	waitSnapshot(t, s, "ready")
	s.Send([]byte("BOOM"))
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(logs.String(), "screen model failed") }) {
		t.Fatalf("no log of the model's failure: %s", logs.String())
	}
	if l := logs.String(); !strings.Contains(l, "session=echo") || !strings.Contains(l, "offset=7") {
		t.Fatalf("the log line lacks the session or the offset: %s", l)
	}
	s.Send([]byte("fine"))
	// Rebuilt from the output before the bad chunk, which is skipped.
	if snap := waitSnapshot(t, s, "fine"); snap != "ready\nfine\n" {
		t.Fatalf("rebuilt screen %q, want the output around the chunk that broke the model", snap)
	}

	// A repaint that panics gives the client a cleared screen, not a dead
	// daemon; the model starts over (the same bytes would break it again).
	boom.Store(true)
	v := attachView(t, s, AttachOptions{})
	// The repaint is made when the client first reads: wait for it, or
	// it could be v2's, made after the output v2 waits for below.
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(logs.String(), "step=repaint") }) {
		t.Fatalf("no log of the repaint's failure: %s", logs.String())
	}
	v.close()
	if got := strings.TrimSpace(v.term.Text()); got != "" {
		t.Fatalf("client of the failed repaint shows %q, want a cleared screen", got)
	}
	v2 := attachView(t, s, AttachOptions{})
	s.Send([]byte("again"))
	v2.waitText(t, "again")
}

// The screen model that fell behind a small flood by more than the ring
// holds picks up again: the newest output shows (an unsigned underflow
// once made it skip to an offset near 2^64 and never update again).
func TestFaultModelFallsBehindSmallFlood(t *testing.T) {
	// A ring smaller than what the model parses at once, and a flood
	// smaller than the window it re-parses from after losing track.
	k := newKeeper(t, Options{RingMin: 4 << 10, RingMax: 4 << 10})
	for i := range 5 {
		s := addProg(t, k, "flood"+strconv.Itoa(i), "flood", "200000")
		waitSnapshot(t, s, "flood done")
		v := attachView(t, s, AttachOptions{})
		v.waitText(t, "flood done")
		v.close()
	}
}

// lineRecorder is a LineSink that keeps what it got.
type lineRecorder struct {
	mu     sync.Mutex
	lines  []string
	closed bool
}

func (r *lineRecorder) Line(l []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, string(l))
}

func (r *lineRecorder) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
}

func (r *lineRecorder) get() ([]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...), r.closed
}

// kill and shutdown keep the program's last output: the unfinished last
// line reaches the log (and history) before the session goes.
func TestFaultLastWordsKept(t *testing.T) {
	for _, how := range []string{"kill", "shutdown"} {
		t.Run(how, func(t *testing.T) {
			rec := &lineRecorder{}
			k := New(Options{Sink: func(string) (LineSink, error) { return rec, nil }})
			s, err := k.Add(shSpec("words", `printf 'first line\nlast words'; exec sleep 1000`))
			if err != nil {
				t.Fatal(err)
			}
			waitSnapshot(t, s, "last words")
			if how == "kill" {
				err = k.Remove("words")
			} else {
				err = k.Shutdown(context.Background())
			}
			if err != nil {
				t.Fatal(err)
			}
			lines, closed := rec.get()
			if !closed || strings.Join(lines, "|") != "first line|last words" {
				t.Fatalf("log got %q (closed %v), want the first line and the last words", lines, closed)
			}
		})
	}
}

// A stop kills what is left of the program's process group while the
// child is dead but not yet reaped (its pid cannot name another process
// then); after the reap the group is never signalled by number again.
func TestFaultGroupKilledBeforeReapOnly(t *testing.T) {
	k := newKeeper(t, Options{})
	// The shell exits on TERM; its child in the same group ignores it.
	s, err := k.Add(shSpec("leaver", `trap 'exit 0' TERM; (trap '' TERM; echo "grandchild $(exec sh -c 'echo $PPID')"; exec sleep 1000) & wait`))
	if err != nil {
		t.Fatal(err)
	}
	snap := waitSnapshot(t, s, "grandchild ")
	var gpid int
	fmt.Sscanf(snap[strings.Index(snap, "grandchild "):], "grandchild %d", &gpid)
	s.mu.Lock()
	r := s.run
	s.mu.Unlock()
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if !testprog.WaitFor(wait, func() bool { return !alive(gpid) }) {
		t.Fatalf("grandchild %d in the program's group survived the stop", gpid)
	}
	if err := r.signalGroup(syscall.SIGCONT); !errors.Is(err, errReaped) {
		t.Fatalf("signalling a reaped run's group: %v, want errReaped", err)
	}
}

// logs -f misses no line: not one printed just before it started (still on
// its way to the history), nor the unfinished last line at a kill.
func TestFaultFollowMissesNothing(t *testing.T) {
	k := newKeeper(t, Options{})
	for i := range 10 {
		name := "f" + strconv.Itoa(i)
		s, err := k.Add(shSpec(name, `echo mark; read x; printf 'last words'; exec sleep 1000`))
		if err != nil {
			t.Fatal(err)
		}
		var out syncBuffer
		done := make(chan error, 1)
		go func() { done <- s.Follow(context.Background(), 10, &out) }()
		if !testprog.WaitFor(wait, func() bool { return strings.Contains(out.String(), "mark\n") }) {
			t.Fatalf("round %d: logs -f missed the first line: %q", i, out.String())
		}
		s.Send([]byte("\r"))
		waitSnapshot(t, s, "last words")
		k.Remove(name)
		if err := <-done; !errors.Is(err, ErrRemoved) {
			t.Fatalf("follow ended with %v", err)
		}
		if got := out.String(); got != "mark\n\nlast words\n" { // the empty line: the tty echoed Enter
			t.Fatalf("round %d: logs -f got %q", i, got)
		}
	}
}

// boomSink is a log sink with a bug: it panics on a line with "BOOM".
type boomSink struct{ lineRecorder }

func (b *boomSink) Line(l []byte) {
	if bytes.Contains(l, []byte("BOOM")) {
		panic("sink bug")
	}
	b.lineRecorder.Line(l)
}

// A panic on the text path (the history and the log file) is contained
// like the model's: logged with the session, the filter starts afresh,
// and later lines reach the history and the log again.
func TestFaultPanickingTextPath(t *testing.T) {
	var logs syncBuffer
	sink := &boomSink{}
	k := newKeeper(t, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), Sink: func(string) (LineSink, error) { return sink, nil }})
	s := addProg(t, k, "echo", "echo")
	waitSnapshot(t, s, "ready")
	s.Send([]byte("BOOM\n"))
	if !testprog.WaitFor(wait, func() bool { return strings.Contains(logs.String(), "text filter failed") }) {
		t.Fatalf("no log of the text path's failure: %s", logs.String())
	}
	if l := logs.String(); !strings.Contains(l, "session=echo") {
		t.Fatalf("the log line lacks the session: %s", l)
	}
	s.Send([]byte("after\n"))
	waitSnapshot(t, s, "after")
	if !testprog.WaitFor(wait, func() bool { lines, _ := sink.get(); return slices.Contains(lines, "after") }) {
		lines, _ := sink.get()
		t.Fatalf("the log got %q after the failure, want the next line", lines)
	}
	if h := string(s.History(10)); !strings.Contains(h, "after") {
		t.Fatalf("history %q lacks the line after the failure", h)
	}
	if st := s.Status(); st.State != Running {
		t.Fatalf("session %v after the failure, want RUNNING", st.State)
	}
}
