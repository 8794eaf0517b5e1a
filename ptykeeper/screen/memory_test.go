package screen

import (
	"runtime"
	"testing"
	"unsafe"
)

func liveHeap() uint64 {
	runtime.GC()
	runtime.GC() // the second clears what the first left in sync.Pools
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func TestCellIs16Bytes(t *testing.T) {
	if n := unsafe.Sizeof(Cell{}); n > 16 {
		t.Fatalf("a Cell takes %d bytes, want at most 16", n)
	}
}

// An idle 80x24 screen costs its cells and little more; the alternate
// screen is freed when left.
func TestScreenMemory(t *testing.T) {
	const n = 100
	before := liveHeap()
	screens := make([]*Screen, n)
	for i := range screens {
		screens[i] = New(80, 24)
		screens[i].Write([]byte("$ ls\r\nfile\r\n\x1b]2;title\x07$ "))
	}
	per := (liveHeap() - before) / n
	t.Logf("an idle 80x24 screen holds %d bytes (%.1f per cell)", per, float64(per)/(80*24))
	if per > 34<<10 {
		t.Errorf("an idle 80x24 screen holds %d bytes, want about 30 KiB", per)
	}

	base := liveHeap()
	for _, s := range screens {
		s.Write([]byte("\x1b[?1049h\x1b]8;;http://example.com/\x07link\x1b]8;;\x07 e\u0301\x1b[?1049l"))
	}
	if grown := int64(liveHeap()) - int64(base); grown > n*1<<10 {
		t.Errorf("entering and leaving the alternate screen grew each screen by %d bytes", grown/n)
	}
	for _, s := range screens {
		s.Write([]byte("\x1b[?1049h"))
	}
	if grown := int64(liveHeap()) - int64(base); grown < n*30<<10 {
		t.Errorf("the alternate screens take only %d bytes each: not allocated?", grown/n)
	}
	runtime.KeepAlive(screens)
}

// Long OSC payloads (clipboard, images) are not kept, and the buffer for
// titles shrinks back after a long one.
func TestOSCBufferBounded(t *testing.T) {
	s := New(80, 24)
	s.Write([]byte("\x1b]52;c;"))
	for i := 0; i < 1000; i++ {
		s.Write(make([]byte, 4<<10))
	}
	s.Write([]byte("\x07\x1b]2;"))
	long := make([]byte, 200<<10)
	for i := range long {
		long[i] = 'x'
	}
	s.Write(long)
	if c := cap(s.osc.buf); c > maxOSC {
		t.Fatalf("OSC buffer holds %d bytes", c)
	}
	s.Write([]byte("\x07"))
	if c := cap(s.osc.buf); c > oscKeepCap {
		t.Fatalf("OSC buffer kept %d bytes after the sequence", c)
	}
	if s.Title() != "" {
		t.Fatalf("a title over %d bytes was kept (%d bytes)", maxOSC, len(s.Title()))
	}
}

// Side tables stay bounded whatever a program does to one row.
func TestSideTableBounded(t *testing.T) {
	s := New(80, 24)
	for i := 0; i < 100000; i++ {
		s.Write([]byte("\x1b[1;1H\x1b]8;;http://x/" + string(rune('a'+i%26)) + "\x07l\x1b[58;5;" + string(rune('0'+i%10)) + "mu" + "e\u0301\u0302"))
	}
	r := s.g.row(0)
	if sd := r.side; len(sd.ext) > r.extLimit() || len(sd.arena) > 2*maxCluster*80+maxCluster {
		t.Fatalf("row side table %d entries, arena %d bytes", len(sd.ext), len(sd.arena))
	}
}
