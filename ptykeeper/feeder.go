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
	ring  *Ring
	model ScreenModel
	reqs  chan screenReq
	quit  chan struct{}
	wg    sync.WaitGroup

	mu      sync.Mutex
	resizes []resizeMark // PTY resizes to apply at ring offsets, in order

	off uint64
	buf []byte
}

func newFeeder(ring *Ring, model ScreenModel, answer func([]byte)) *feeder {
	f := &feeder{ring: ring, model: model, reqs: make(chan screenReq), quit: make(chan struct{}), buf: make([]byte, pumpBufSize), off: ring.Head()}
	f.wg.Add(2)
	go f.loop()
	go f.answerQueries(answer)
	return f
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

func (f *feeder) loop() {
	defer f.wg.Done()
	sub := f.ring.SubscribeLazy(f.off, false)
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
			var b bytes.Buffer
			switch r.kind {
			case reqRepaint:
				f.model.Repaint(&b)
			case reqText:
				f.model.Text(&b, false)
			case reqANSI:
				f.model.Text(&b, true)
			}
			r.reply <- screenReply{data: b.Bytes(), off: f.off}
		}
	}
}

// catchUp parses the ring up to target, applying resizes at their offsets.
func (f *feeder) catchUp(target uint64) {
	for f.off < target {
		limit := target
		f.mu.Lock()
		for len(f.resizes) > 0 && f.resizes[0].off <= f.off {
			f.model.Resize(f.resizes[0].sz)
			f.resizes = f.resizes[1:]
		}
		if len(f.resizes) > 0 && f.resizes[0].off < limit {
			limit = f.resizes[0].off
		}
		f.mu.Unlock()
		want := min(uint64(len(f.buf)), limit-f.off)
		n, lost := f.ring.ReadAt(f.buf[:want], f.off)
		if lost {
			// Past the bound: parse only the newest feederWindow bytes.
			skipTo := max(f.ring.Tail(), f.ring.Head()-feederWindow)
			f.off = skipTo
			continue
		}
		if n == 0 {
			return
		}
		f.model.Write(f.buf[:n])
		f.off += uint64(n)
	}
	f.mu.Lock()
	for len(f.resizes) > 0 && f.resizes[0].off <= f.off {
		f.model.Resize(f.resizes[0].sz)
		f.resizes = f.resizes[1:]
	}
	f.mu.Unlock()
}

// answerQueries drains the model's replies (it blocks until they are read)
// and hands them to answer.
func (f *feeder) answerQueries(answer func([]byte)) {
	defer f.wg.Done()
	buf := make([]byte, 256)
	for {
		n, err := f.model.Replies().Read(buf)
		if n > 0 && !colourReply(buf[:n]) {
			answer(bytes.Clone(buf[:n]))
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
