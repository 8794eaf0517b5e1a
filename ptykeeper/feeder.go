// feeder.go runs the screen model beside the output, never in front of it.
//
// The model (x/vt) parses scrolling text at a few MiB/s, ten times slower
// than a PTY delivers it, so it must not sit on the drain path. The feeder
// reads the ring at its own offset:
//   - while it is at most eagerLag behind, it parses at once (interactive
//     programs: the screen is always current, terminal queries are answered
//     at once);
//   - further behind (a flood), it waits until output pauses for quietWait,
//     or until somebody needs the screen (a repaint or snapshot), and then
//     catches up;
//   - when it is more than the ring's capacity behind, the bytes it missed are
//     gone: it skips to the oldest byte still held and parses from there. The
//     screen is then approximate (a mode set in the skipped bytes is lost)
//     until the program redraws; text floods come out right because the ring
//     holds many screens' worth of the newest output.
//
// It also owns the reply stream of the model: answers to terminal queries go
// to the program only while no client is attached, because an attached
// client's own terminal answers them.

package ptykeeper

import (
	"bytes"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

const (
	eagerLag = 64 << 10
	// feederWindow is how much of the newest output the model parses after
	// it lost track: many screens' worth, a fraction of a second of work.
	feederWindow = 256 << 10
	quietWait    = 10 * time.Millisecond
)

type resizeMark struct {
	off uint64
	sz  Size
}

type screenReq struct {
	kind  int // reqRepaint, reqText, reqANSI
	reply chan screenReply
}

type screenReply struct {
	data []byte
	off  uint64 // the ring offset the screen reflects
}

const (
	reqRepaint = iota
	reqText
	reqANSI
)

type feeder struct {
	ring     *Ring
	newModel func(Size) ScreenModel
	model    ScreenModel
	size     Size // the model's size
	answer   func([]byte)
	rebuilt  func() // after a model was rebuilt: have the program redraw
	log      *slog.Logger
	reqs     chan screenReq
	quit     chan struct{}
	wg       sync.WaitGroup

	mu      sync.Mutex
	resizes []resizeMark // PTY resizes to apply at ring offsets, in order

	off     uint64
	parsing uint64 // while Write runs: the end of the chunk it parses
	buf     []byte
}

func newFeeder(ring *Ring, newModel func(Size) ScreenModel, sz Size, answer func([]byte), rebuilt func(), log *slog.Logger) *feeder {
	f := &feeder{ring: ring, newModel: newModel, size: sz, answer: answer, rebuilt: rebuilt, log: log, reqs: make(chan screenReq), quit: make(chan struct{}), buf: make([]byte, pumpBufSize), off: ring.Head()}
	f.startModel()
	sub := ring.SubscribeLazy(f.off, false) // before the goroutine: no lost wake-up
	f.wg.Add(1)
	go f.loop(sub)
	return f
}

// startModel makes a fresh model of the current size and drains its
// answers.
func (f *feeder) startModel() {
	f.model = f.newModel(f.size)
	f.wg.Add(1)
	go f.answerQueries(f.model)
}

// guard contains a panic of the model (a bug in it that some program's
// output reaches) to this session: it is logged with the offset of the
// bytes that caused it (f.off is where the failing chunk starts), and the
// model is rebuilt. The daemon and every other session go on. Defer it
// directly: recover works only there.
func (f *feeder) guard(what string) {
	r := recover()
	if r == nil {
		return
	}
	f.log.Error("screen model failed; rebuilt", "step", what, "offset", f.off, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	f.rebuild()
}

// rebuild replaces a failed model. After a failed Write, the new model
// re-parses what the ring still holds before the chunk that broke the old
// one (at most feederWindow), and that chunk is skipped; after a failed
// render, the same bytes would fail again, so it starts empty. Either way
// the program is asked to redraw.
func (f *feeder) rebuild() {
	f.model.Close()
	f.startModel()
	if f.parsing > f.off {
		f.replay(f.off)
		f.off = f.parsing
	}
	f.parsing = 0
	f.rebuilt()
}

// replay feeds the new model the retained output before end. If that
// fails too, the model starts empty.
func (f *feeder) replay(end uint64) {
	defer func() {
		if recover() != nil {
			f.model.Close()
			f.startModel()
		}
	}()
	for off := max(f.ring.Tail(), end-min(end, feederWindow)); off < end; {
		n, lost := f.ring.ReadAt(f.buf[:min(uint64(len(f.buf)), end-off)], off)
		if lost || n == 0 {
			return
		}
		f.model.Write(f.buf[:n])
		off += uint64(n)
	}
}

// resizeAt records that the PTY took size sz when the ring head was at off;
// the model resizes when it has parsed that far.
func (f *feeder) resizeAt(off uint64, sz Size) {
	f.mu.Lock()
	f.resizes = append(f.resizes, resizeMark{off, sz})
	f.mu.Unlock()
}

func (f *feeder) stop() {
	close(f.quit)
	f.model.Close()
	f.wg.Wait()
}

// request asks the feeder to catch up and build a repaint or text.
func (f *feeder) request(kind int) screenReply {
	r := screenReq{kind: kind, reply: make(chan screenReply, 1)}
	select {
	case f.reqs <- r:
		return <-r.reply
	case <-f.quit:
		return screenReply{off: f.ring.Head()}
	}
}

func (f *feeder) loop(sub *Sub) {
	defer f.wg.Done()
	defer f.ring.Unsubscribe(sub)
	quiet := time.NewTimer(time.Hour)
	quiet.Stop()
	var armedHead uint64
	wake := sub.C // nil while waiting for a flood to pause: no wake-up per chunk
	for {
		select {
		case <-f.quit:
			quiet.Stop()
			return
		case <-wake:
			// The ring wakes us settleWait after output, so interactive
			// output (an echoed key) is parsed after the client's copy is
			// on its way, never in competition with it.
			head := f.ring.Head()
			if head-f.off <= eagerLag {
				f.catchUp(head)
			} else {
				wake, armedHead = nil, head
				quiet.Reset(quietWait)
			}
		case <-quiet.C:
			head := f.ring.Head()
			if head != armedHead { // still flooding
				armedHead = head
				quiet.Reset(quietWait)
				continue
			}
			f.catchUp(head)
			wake = sub.C
		case r := <-f.reqs:
			f.catchUp(f.ring.Head())
			r.reply <- f.render(r.kind)
		}
	}
}

// render builds a repaint or text of the screen as parsed so far.
func (f *feeder) render(kind int) (rep screenReply) {
	// What the caller gets if the model fails: a cleared screen at the
	// offset the rebuilt model starts from.
	rep = screenReply{data: []byte("\x1b[H\x1b[2J"), off: f.off}
	defer f.guard("render")
	var b bytes.Buffer
	switch kind {
	case reqRepaint:
		f.model.Repaint(&b)
	case reqText:
		f.model.Text(&b, false)
	case reqANSI:
		f.model.Text(&b, true)
	}
	return screenReply{data: b.Bytes(), off: f.off}
}

// catchUp parses the ring up to target, applying resizes at their offsets.
func (f *feeder) catchUp(target uint64) {
	defer f.guard("write")
	for f.off < target {
		limit := target
		f.mu.Lock()
		f.applyResizesLocked()
		if len(f.resizes) > 0 && f.resizes[0].off < limit {
			limit = f.resizes[0].off
		}
		f.mu.Unlock()
		want := min(uint64(len(f.buf)), limit-f.off)
		n, lost := f.ring.ReadAt(f.buf[:want], f.off)
		if lost {
			// Past the bound: parse only the newest feederWindow bytes.
			// (Head may be below feederWindow: no unsigned underflow.)
			head := f.ring.Head()
			f.off = max(f.ring.Tail(), head-min(head, feederWindow))
			continue
		}
		if n == 0 {
			return
		}
		f.parsing = f.off + uint64(n)
		f.model.Write(f.buf[:n])
		f.off, f.parsing = f.parsing, 0
	}
	f.mu.Lock()
	f.applyResizesLocked()
	f.mu.Unlock()
}

// applyResizesLocked resizes the model for every resize it has parsed up
// to. f.mu must be held.
func (f *feeder) applyResizesLocked() {
	for len(f.resizes) > 0 && f.resizes[0].off <= f.off {
		f.size = f.resizes[0].sz
		f.model.Resize(f.size)
		f.resizes = f.resizes[1:]
	}
}

// answerQueries drains a model's replies (it blocks until they are read)
// and hands them to the feeder's answer.
func (f *feeder) answerQueries(m ScreenModel) {
	defer f.wg.Done()
	buf := make([]byte, 256)
	for {
		n, err := m.Replies().Read(buf)
		if n > 0 && !colourReply(buf[:n]) {
			f.answer(bytes.Clone(buf[:n]))
		}
		if err != nil {
			return
		}
	}
}

// colourReply reports whether p answers a colour query (OSC 10, 11 or 12:
// foreground, background, cursor colour). The model does not know the
// user's real colours and would answer black; a wrong answer is worse than
// none (vim would pick the wrong background), so those are not passed on.
func colourReply(p []byte) bool {
	return bytes.HasPrefix(p, []byte("\x1b]10;")) || bytes.HasPrefix(p, []byte("\x1b]11;")) || bytes.HasPrefix(p, []byte("\x1b]12;"))
}
