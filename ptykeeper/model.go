// model.go holds a session's screen model (package screen) and contains its
// faults: a panic in the model, whatever output or size caused it, is
// logged with the session and the offset of the bytes that caused it, the
// model is rebuilt from the output the ring still holds, and the program is
// asked to redraw. The daemon and every other session go on.
//
// Everything here runs with the session's screen lock held (Session.scrMu).

package ptykeeper

import (
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/ptykeeper/ptykeeper/ptykeeper/ring"
	"github.com/ptykeeper/ptykeeper/ptykeeper/screen"
)

// screenModel is what the keeper uses of a terminal model: *screen.Screen,
// or in tests a model with a bug.
type screenModel interface {
	Write(p []byte)
	Resize(cols, rows int)
	Offset() uint64
	MidSequence() bool
	SequenceStart() uint64
	AppendAnswered(dst []screen.Span) []screen.Span
	AppendReplies(dst []byte) []byte
	AppendRepaint(dst []byte) []byte
	AppendDiff(dst []byte, from *screen.Frame) []byte
	Snapshot(f *screen.Frame)
	AppendText(dst []byte, ansi bool) []byte
}

func newScreenModel(sz Size) screenModel { return screen.New(sz.Cols, sz.Rows) }

// guardedModel wraps the model with its fault containment.
type guardedModel struct {
	m       screenModel
	size    Size
	newM    func(Size) screenModel
	ring    *ring.Ring
	log     *slog.Logger
	rebuilt func() // after a rebuild: have the program redraw (without the screen lock)
	failed  bool   // a rebuild happened during the current call
}

// contain recovers a panic of the model during what and rebuilds it. off is
// the ring offset of the output being parsed (for the log); replayTo, if
// not zero, is where the rebuilt model's replay of the ring stops (the
// start of the bytes that broke it). Defer it directly: recover works only
// there.
func (g *guardedModel) contain(what string, off, replayTo uint64) {
	r := recover()
	if r == nil {
		return
	}
	g.log.Error("screen model failed; rebuilt", "step", what, "offset", off, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	g.rebuild(replayTo)
}

// rebuild replaces the model with a fresh one of the current size that has
// parsed what the ring holds before replayTo (at most the newest 256 KiB).
// A render that failed would fail again on the same bytes: then replayTo is
// 0 and the model starts empty. If the replay fails too, it starts empty.
func (g *guardedModel) rebuild(replayTo uint64) {
	g.failed = true
	g.m = g.newM(g.size)
	if replayTo == 0 {
		return
	}
	defer func() {
		if recover() != nil {
			g.m = g.newM(g.size)
		}
	}()
	buf := make([]byte, 32<<10)
	for off := max(g.ring.Tail(), replayTo-min(replayTo, replayWindow)); off < replayTo; {
		n, lost := g.ring.ReadAt(buf[:min(uint64(len(buf)), replayTo-off)], off)
		if lost || n == 0 {
			return
		}
		g.m.Write(buf[:n])
		off += uint64(n)
	}
	g.m.AppendReplies(nil) // answered long ago
	g.m.AppendAnswered(nil)
}

// replayWindow bounds what a rebuilt model re-parses.
const replayWindow = 256 << 10

// write parses output that starts at ring offset off.
func (g *guardedModel) write(p []byte, off uint64) {
	defer g.contain("write", off, off)
	g.m.Write(p)
}

func (g *guardedModel) resize(sz Size) {
	defer g.contain("resize", 0, 0)
	g.size = sz
	g.m.Resize(sz.Cols, sz.Rows)
}

// diff appends what turns a terminal showing from (nil: anything) into the
// current screen. If the model fails, the terminal gets a cleared screen.
func (g *guardedModel) diff(dst []byte, from *screen.Frame) (out []byte) {
	out = append(dst, "\x1b[H\x1b[2J"...)
	defer g.contain("repaint", 0, 0)
	return g.m.AppendDiff(dst, from)
}

func (g *guardedModel) snapshot(f *screen.Frame) {
	defer g.contain("snapshot", 0, 0)
	g.m.Snapshot(f)
}

func (g *guardedModel) text(dst []byte, ansi bool) (out []byte) {
	out = dst
	defer g.contain("text", 0, 0)
	return g.m.AppendText(dst, ansi)
}
