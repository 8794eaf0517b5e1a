// output.go is a session's output path. The pump of the current run calls
// Session.output for every chunk it reads from the PTY; nothing else reads
// the program's output, and nothing here waits for anybody:
//
//  1. the screen model parses the chunk (it is fast enough to keep up, so
//     it is always current and never skips a byte);
//  2. the bytes go into the ring, for attached clients, minus the terminal
//     queries the model answered (the keeper answers the program's DA, DSR
//     and cursor position queries itself, so that no two terminals answer
//     one query), and minus an unfinished escape sequence at the end, which
//     goes with the next chunk: a client never gets half a sequence;
//  3. the text filter turns the chunk into lines for the history and the
//     log file;
//  4. the model's answers go to the program.
//
// The ring head and the model's state correspond whenever the screen lock
// is free: a repaint taken under it continues exactly at the ring head.

package ptykeeper

import (
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// maxHeld bounds the unfinished sequence held back from clients: a longer
// one (a huge OSC) is passed on as it comes.
const maxHeld = 4 << 10

// compactWait is how long output must pause before the history is
// compressed and the ring given back its memory.
const compactWait = 2 * time.Second

// output applies one chunk of program output.
func (s *Session) output(p []byte) {
	s.scrMu.Lock()
	m := &s.model
	at := m.m.Offset() // model offset of p[0]
	m.write(p, s.ring.Head())
	failed := m.failed
	if failed {
		// The model was rebuilt and its offsets start over: pass the
		// chunk on as it is.
		m.failed = false
		s.flushHeldLocked()
		s.ring.Write(p)
		s.spans = s.spans[:0]
	} else {
		s.passOnLocked(p, at)
	}
	s.text(p, s.ring.Head())
	s.replies = m.m.AppendReplies(s.replies[:0])
	s.noteOutputLocked()
	var answers []byte
	if len(s.replies) > 0 {
		answers = append(answers, s.replies...)
	}
	s.scrMu.Unlock()
	if failed {
		s.redraw()
	}
	if answers != nil {
		s.input(s.answers, answers, false, nil)
	}
}

// passOnLocked writes to the ring what clients get of p, which the model
// has parsed starting at model offset at.
func (s *Session) passOnLocked(p []byte, at uint64) {
	m := s.model.m
	s.spans = m.AppendAnswered(s.spans[:0])
	buf, base := p, at // what is to be passed on, and its model offset
	if len(s.held) > 0 {
		base = at - uint64(len(s.held))
		s.held = append(s.held, p...)
		buf = s.held
	}
	end := base + uint64(len(buf))
	cut := end
	if m.MidSequence() {
		if st := m.SequenceStart(); st >= base && end-st <= maxHeld {
			cut = st
		}
	}
	from := base
	for _, sp := range s.spans {
		if sp.Start < from || sp.End > cut {
			continue // began before what is held (passed on already), or ends after the cut
		}
		s.ring.Write(buf[from-base : sp.Start-base])
		from = sp.End
	}
	s.ring.Write(buf[from-base : cut-base])
	// Keep the unfinished tail. buf may be s.held itself: move, don't alias.
	tail := buf[cut-base:]
	s.held = append(s.held[:0], tail...)
	if len(s.held) == 0 && cap(s.held) > maxHeld {
		s.held = nil
	}
}

// flushHeldLocked passes on what was held back (the output ended, or the
// model was rebuilt).
func (s *Session) flushHeldLocked() {
	if len(s.held) > 0 {
		s.ring.Write(s.held)
		s.held = s.held[:0]
	}
}

// outputEnded is called by the pump when the program's output ended.
func (s *Session) outputEnded() {
	s.scrMu.Lock()
	s.flushHeldLocked()
	s.scrMu.Unlock()
}

// finishOutput ends the output path of a removed session (the last run is
// over): the unfinished last line goes to the history and the log, which
// is closed, and no timer is left.
func (s *Session) finishOutput() {
	s.scrMu.Lock()
	s.flushHeldLocked()
	s.filter.Flush()
	s.compactTimer.Stop()
	sink := s.sink
	s.sink = nil
	s.scrMu.Unlock()
	if sink != nil {
		sink.Close()
	}
}

// line receives the text filter's lines.
func (s *Session) line(l []byte) {
	s.hist.Add(l)
	if s.sink != nil {
		s.sink.Line(l)
	}
}

// setSink replaces the log (nil: none) and closes the old one.
func (s *Session) setSink(sink LineSink) {
	s.scrMu.Lock()
	old := s.sink
	s.sink = sink
	s.scrMu.Unlock()
	if old != nil {
		old.Close()
	}
}

// noteOutputLocked arms the compaction timer when there is something to
// give back (history blocks to compress, a ring that grew), once per burst:
// no timer work per chunk, and none at all for a program that prints a
// line now and then.
func (s *Session) noteOutputLocked() {
	if s.compactArmed {
		s.lastOutput = time.Now()
		return
	}
	if s.hist.Compactable() || s.ring.Grown() {
		s.lastOutput = time.Now()
		s.compactArmed = true
		s.compactTimer.Reset(compactWait)
	}
}

// compact runs compactWait after a burst of output began: if output went
// on, it waits for the rest of the pause; once output paused for
// compactWait, the history is compressed, the ring shrunk and freed memory
// given back.
func (s *Session) compact() {
	defer s.contain("compaction")
	s.scrMu.Lock()
	if wait := compactWait - time.Since(s.lastOutput); wait > 0 {
		s.compactTimer.Reset(wait)
		s.scrMu.Unlock()
		return
	}
	s.compactArmed = false
	s.scrMu.Unlock()
	s.hist.Compact()
	s.ring.Shrink()
	releaseMemory()
}

// releaseMemory returns freed heap to the OS once output pauses, at most
// every releaseEvery for the whole daemon (a call inside the window is
// carried out at its end). A long-lived daemon should shrink back when its
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

// text feeds output that ends at ring offset end to the text filter (the
// history and the log file). A panic there is contained like the model's
// (model.go): logged, the filter started afresh, the output goes on.
// s.scrMu must be held.
func (s *Session) text(p []byte, end uint64) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("text filter failed; restarted", "offset", end, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			s.filter = TextFilter{Line: s.line}
		}
	}()
	s.filter.Write(p)
}

// contain recovers a panic of a session's step that runs on its own
// goroutine (a timer's), so that a bug there ends the step, not the
// daemon. Defer it directly.
func (s *Session) contain(step string) {
	if r := recover(); r != nil {
		s.log.Error("session step failed", "step", step, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
	}
}
