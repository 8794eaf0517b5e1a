// history.go keeps a session's recent output lines in a compact form: plain
// text in blocks, blocks other than the newest flate-compressed once output
// pauses. 10,000 lines of typical terminal text take ~100 KiB this way
// instead of ~94 MiB in the emulator's cell-based scrollback.

package ptykeeper

import (
	"bytes"
	"compress/flate"
	"io"
	"sync"
	"sync/atomic"
)

const historyBlockSize = 16 << 10

// DefaultHistoryLines is how many lines a session keeps.
const DefaultHistoryLines = 10000

type histBlock struct {
	raw   []byte // lines, each ending in '\n'; nil once compressed
	z     []byte // compressed raw
	lines int
}

// History is a bounded, line-oriented store. It is safe for concurrent use.
type History struct {
	mu       sync.Mutex // guards everything below
	maxLines int
	blocks   []*histBlock // oldest first; the last one is open for appends
	lines    int
	spare    []byte // a dropped block's buffer, reused: no garbage in steady state
	seq      uint64 // lines ever added: the next line's number
	watchers map[chan struct{}]struct{}
	// compactable is set when a block other than the newest is
	// uncompressed: only then is there work for Compact.
	compactable atomic.Bool
}

// Compactable reports whether Compact has work to do.
func (h *History) Compactable() bool { return h.compactable.Load() }

// NewHistory keeps at most maxLines lines.
func NewHistory(maxLines int) *History {
	return &History{maxLines: maxLines}
}

// Add appends one line (without its newline).
func (h *History) Add(line []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.maxLines <= 0 {
		return
	}
	n := len(h.blocks)
	if n == 0 || h.blocks[n-1].raw == nil || len(h.blocks[n-1].raw)+len(line) >= historyBlockSize {
		buf := h.spare
		h.spare = nil
		if buf == nil {
			buf = make([]byte, 0, historyBlockSize)
		}
		h.blocks = append(h.blocks, &histBlock{raw: buf[:0]})
		n++
		if n > 1 && h.blocks[n-2].raw != nil {
			h.compactable.Store(true)
		}
	}
	b := h.blocks[n-1]
	b.raw = append(b.raw, line...)
	b.raw = append(b.raw, '\n')
	b.lines++
	h.lines++
	h.seq++
	for w := range h.watchers {
		select {
		case w <- struct{}{}:
		default:
		}
	}
	// Drop whole blocks while the rest still holds maxLines.
	for len(h.blocks) > 1 && h.lines-h.blocks[0].lines >= h.maxLines {
		h.lines -= h.blocks[0].lines
		if b := h.blocks[0]; b.raw != nil && cap(b.raw) == historyBlockSize {
			h.spare = b.raw
		}
		h.blocks[0] = nil
		h.blocks = h.blocks[1:]
	}
}

// Compact compresses every block but the newest. Called when output pauses,
// so a flood of output is not compressed only to be dropped.
func (h *History) Compact() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, b := range h.blocks[:max(len(h.blocks)-1, 0)] {
		if b.raw == nil {
			continue
		}
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, flate.BestSpeed)
		w.Write(b.raw)
		w.Close()
		b.z = bytes.Clone(z.Bytes())
		b.raw = nil
	}
	// Compaction can leave the block slice's backing array oversized.
	h.blocks = append([]*histBlock(nil), h.blocks...)
	h.compactable.Store(false)
}

// Watch returns a channel that gets a wake-up (one slot) whenever lines are
// added, and a func to stop watching.
func (h *History) Watch() (<-chan struct{}, func()) {
	w := make(chan struct{}, 1)
	h.mu.Lock()
	if h.watchers == nil {
		h.watchers = map[chan struct{}]struct{}{}
	}
	h.watchers[w] = struct{}{}
	h.mu.Unlock()
	return w, func() {
		h.mu.Lock()
		delete(h.watchers, w)
		h.mu.Unlock()
	}
}

// Tail returns the newest n lines, like Last, and the number of the line
// that comes after them, for Since.
func (h *History) Tail(n int) ([]byte, uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastLocked(n), h.seq
}

// Since returns the lines from number seq on, the number of the line after
// them, and how many lines from seq on are no longer held (dropped before
// they were read).
func (h *History) Since(seq uint64) (lines []byte, next uint64, missed uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	held := uint64(min(h.lines, h.maxLines))
	if first := h.seq - held; seq < first {
		missed, seq = first-seq, first
	}
	return h.lastLocked(int(h.seq - seq)), h.seq, missed
}

// Last returns the newest n lines (fewer if there are fewer), oldest first,
// each ending in a newline.
func (h *History) Last(n int) []byte {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lastLocked(n)
}

func (h *History) lastLocked(n int) []byte {
	if n <= 0 {
		return nil
	}
	n = min(n, h.lines, h.maxLines)
	var parts [][]byte
	have := 0
	for i := len(h.blocks) - 1; i >= 0 && have < n; i-- {
		b := h.blocks[i]
		data := b.raw
		if data == nil {
			data, _ = io.ReadAll(flate.NewReader(bytes.NewReader(b.z)))
		}
		parts = append(parts, data)
		have += b.lines
	}
	var out []byte
	for i := len(parts) - 1; i >= 0; i-- {
		out = append(out, parts[i]...)
	}
	// Skip the oldest lines beyond n.
	for skip := have - n; skip > 0; skip-- {
		i := bytes.IndexByte(out, '\n')
		out = out[i+1:]
	}
	return out
}

// All returns every line held and the number of the next line (for an
// upgrade: Restore puts them back).
func (h *History) All() ([]byte, uint64) { return h.Tail(h.maxLines) }

// Restore puts lines (as All returned them) into an empty history, numbered
// so that the next line is seq.
func (h *History) Restore(lines []byte, seq uint64) {
	for len(lines) > 0 {
		i := bytes.IndexByte(lines, '\n')
		if i < 0 {
			i = len(lines)
		}
		h.Add(lines[:i])
		lines = lines[min(i+1, len(lines)):]
	}
	h.mu.Lock()
	h.seq = seq
	h.mu.Unlock()
}

// Len returns the number of lines held.
func (h *History) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return min(h.lines, h.maxLines)
}
