// textpump.go turns a session's output into text lines for the history and
// the log writer. It reads the ring at its own offset like any other reader;
// if it ever falls more than the ring behind, it records how much it missed
// in a marker line instead of waiting.

package ptykeeper

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// compactWait is how long output must pause before history is compressed.
const compactWait = 2 * time.Second

type textPump struct {
	ring   *Ring
	hist   *History
	filter TextFilter

	sinkMu sync.Mutex // guards sink: a reload may replace it
	sink   LineSink   // nil: none

	quit chan struct{}
	wg   sync.WaitGroup
	off  uint64
}

func newTextPump(ring *Ring, hist *History, sink LineSink) *textPump {
	t := &textPump{ring: ring, hist: hist, sink: sink, quit: make(chan struct{}), off: ring.Head()}
	t.filter.Line = t.line
	// Subscribed before the goroutine runs: output that comes before it
	// is scheduled must still wake it.
	sub := ring.SubscribeLazy(t.off, true)
	t.wg.Add(1)
	go t.loop(sub)
	return t
}

func (t *textPump) line(l []byte) {
	t.hist.Add(l)
	t.sinkMu.Lock()
	if t.sink != nil {
		t.sink.Line(l)
	}
	t.sinkMu.Unlock()
}

// setSink replaces the log (nil: none) and closes the old one.
func (t *textPump) setSink(sink LineSink) {
	t.sinkMu.Lock()
	old := t.sink
	t.sink = sink
	t.sinkMu.Unlock()
	if old != nil {
		old.Close()
	}
}

// stop ends the pump once the program's output has ended: what the ring
// still holds is turned into lines, the unfinished last line included, so
// that history and the log file end with the program's last words.
func (t *textPump) stop() {
	close(t.quit)
	t.wg.Wait()
	t.drain(nil, make([]byte, pumpBufSize))
	t.filter.Flush()
	t.setSink(nil)
}

// batchPause is how long the text pump rests after a large batch, so that
// during a flood it wakes per batch instead of per PTY read.
const batchPause = 5 * time.Millisecond

func (t *textPump) loop(sub *Sub) {
	defer t.wg.Done()
	defer t.ring.Unsubscribe(sub)
	buf := make([]byte, pumpBufSize)
	compact := time.NewTimer(time.Hour)
	compact.Stop()
	pause := time.NewTimer(time.Hour)
	pause.Stop()
	wake := sub.C
	for {
		select {
		case <-t.quit:
			compact.Stop()
			pause.Stop()
			return
		case <-compact.C:
			t.hist.Compact()
			t.ring.Shrink()
			releaseMemory()
			continue
		case <-pause.C:
			wake = sub.C
		case <-wake: // settleWait after output (a lazy subscriber)
		}
		if n := t.drain(sub, buf); n >= pumpBufSize {
			wake = nil
			pause.Reset(batchPause)
		}
		compact.Reset(compactWait)
	}
}

// drain feeds everything new to the filter and returns how much that was.
func (t *textPump) drain(sub *Sub, buf []byte) int {
	total := 0
	for {
		n, lost := t.ring.ReadAt(buf, t.off)
		if lost {
			tail := t.ring.Tail()
			t.filter.Write([]byte(fmt.Sprintf("\r\n[ptykeeper: %d bytes of output not recorded]\r\n", tail-t.off)))
			t.off = tail
			continue
		}
		if n == 0 {
			return total
		}
		t.filter.Write(buf[:n])
		t.off += uint64(n)
		total += n
		if sub != nil {
			sub.Consumed(t.off)
		}
	}
}

// releaseMemory returns freed heap to the OS once output pauses, at most
// every releaseEvery for the whole daemon (a call inside the window is
// carried out at its end). A burst of output leaves garbage (the screen
// model allocates per byte parsed) that the runtime would otherwise keep
// resident for minutes; a long-lived daemon should shrink back when its
// programs go quiet.
func releaseMemory() {
	release.mu.Lock()
	defer release.mu.Unlock()
	if release.pending {
		return
	}
	wait := time.Until(release.last.Add(releaseEvery))
	if wait <= 0 {
		release.last = time.Now()
		debug.FreeOSMemory()
		return
	}
	release.pending = true
	time.AfterFunc(wait, func() {
		release.mu.Lock()
		release.pending = false
		release.last = time.Now()
		release.mu.Unlock()
		debug.FreeOSMemory()
	})
}

const releaseEvery = 10 * time.Second

var release struct {
	mu      sync.Mutex
	last    time.Time
	pending bool
}
