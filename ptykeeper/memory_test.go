package ptykeeper

import (
	"fmt"
	"runtime"
	"testing"
)

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// A further 80x24 session holding 10,000 lines of history costs at most
// 256 KiB of heap once its output paused: the screen model's cells, a ring
// at rest, the history compressed.
func TestSessionMemory(t *testing.T) {
	const n = 20
	k := New(Options{})
	before := liveHeap()
	var sessions []*Session
	for i := range n {
		s := newSession(Spec{Name: fmt.Sprint("m", i), Command: []string{"true"}}.Defaults(), k.opts)
		sessions = append(sessions, s)
		for l := range 10000 {
			s.output(fmt.Appendf(nil, "%05d \x1b[1mINFO\x1b[0m request handled in %d ms by worker %d of the pool\r\n", l, l%97, l%8))
		}
		s.hist.Compact()
		s.ring.Shrink()
	}
	per := (liveHeap() - before) / n
	t.Logf("%d KiB per session holding %d lines", per>>10, sessions[0].hist.Len())
	if per > 256<<10 {
		t.Errorf("%d KiB per session, want at most 256", per>>10)
	}
	for _, s := range sessions {
		s.remove()
		s.wg.Wait()
	}
}
