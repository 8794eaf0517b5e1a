// Package logfile writes a session's output lines to DIR/current, one
// timestamp per line, rotating by size into current.1 ... current.N
// (multilog's s and n). Writing never blocks the caller: lines go into a
// bounded buffer that one goroutine per file writes out; when the disk
// stalls or fills and the buffer is full, lines are dropped, counted, and a
// marker line says how many were lost.
package logfile

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// maxPending bounds the lines waiting for the disk.
const maxPending = 1 << 20

// retryWait is how long after a failed open the writer tries again while
// lines keep coming (a variable for tests).
var retryWait = time.Second

// Writer is one session's log.
type Writer struct {
	dir     string
	maxSize int64
	keep    int

	mu      sync.Mutex // guards pending, spare, dropped, closed
	pending []byte
	spare   []byte
	dropped int
	closed  bool

	wake   chan struct{} // one slot: lines are pending
	reopen chan struct{} // one slot: reopen asked for
	quit   chan struct{} // closed by Close
	done   chan struct{} // closed when the goroutine ended

	// Owned by the writing goroutine. f is nil while the file cannot be
	// opened (the directory is gone, the disk refuses): lines are then
	// counted as lost and the open is tried again, at most every retryWait.
	f        *os.File
	size     int64
	nextOpen time.Time
}

var (
	allMu sync.Mutex
	all   = map[*Writer]struct{}{}
)

// Open creates dir if needed and appends to dir/current (never truncates:
// logs survive program and daemon restarts).
func Open(dir string, maxSize int64, keep int) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("log dir: %w", err)
	}
	w := &Writer{dir: dir, maxSize: maxSize, keep: keep, wake: make(chan struct{}, 1), reopen: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	if err := w.open(); err != nil {
		return nil, err
	}
	allMu.Lock()
	all[w] = struct{}{}
	allMu.Unlock()
	go w.loop()
	return w, nil
}

func (w *Writer) open() error {
	w.f = nil
	f, err := os.OpenFile(filepath.Join(w.dir, "current"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		w.nextOpen = time.Now().Add(retryWait)
		return fmt.Errorf("open log: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		w.nextOpen = time.Now().Add(retryWait)
		return fmt.Errorf("open log: %w", err)
	}
	w.f, w.size = f, st.Size()
	return nil
}

// Line queues one line (without newline). It never blocks on the disk, and
// after Close it does nothing.
func (w *Writer) Line(line []byte) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	if len(w.pending)+len(line)+32 > maxPending {
		w.dropped++
		w.mu.Unlock()
		return
	}
	w.pending = time.Now().UTC().AppendFormat(w.pending, "2006-01-02T15:04:05.000Z ")
	w.pending = append(w.pending, line...)
	w.pending = append(w.pending, '\n')
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Reopen makes the writer reopen dir/current (after an external logrotate).
func (w *Writer) Reopen() {
	select {
	case w.reopen <- struct{}{}:
	default:
	}
}

// ReopenAll reopens every open writer (SIGUSR2).
func ReopenAll() {
	allMu.Lock()
	defer allMu.Unlock()
	for w := range all {
		w.Reopen()
	}
}

// Close writes what is pending and closes the file.
func (w *Writer) Close() {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	w.mu.Unlock()
	close(w.quit) // never wake: a Line racing Close may still poke it
	<-w.done
	allMu.Lock()
	delete(all, w)
	allMu.Unlock()
}

func (w *Writer) loop() {
	defer close(w.done)
	for {
		select {
		case <-w.wake:
			w.maybeReopen() // a reopen asked for before these lines applies to them
			w.flush()
		case <-w.reopen:
			w.doReopen()
		case <-w.quit:
			w.maybeReopen()
			w.flush()
			if w.f != nil {
				w.f.Close()
			}
			return
		}
	}
}

func (w *Writer) maybeReopen() {
	select {
	case <-w.reopen:
		w.doReopen()
	default:
	}
}

func (w *Writer) doReopen() {
	if w.f != nil {
		w.f.Close()
	}
	w.open() // on failure f stays nil: flush counts the lines it cannot write
}

func (w *Writer) countDropped(n int) {
	w.mu.Lock()
	w.dropped += n
	w.mu.Unlock()
}

// flush writes the pending lines, after a marker if lines were lost. With no
// open file it tries to open one first, and otherwise drops the lines.
func (w *Writer) flush() {
	w.mu.Lock()
	buf := w.pending
	w.pending = w.spare[:0]
	dropped := w.dropped
	w.dropped = 0
	w.mu.Unlock()
	if dropped > 0 {
		marker := time.Now().UTC().AppendFormat(nil, "2006-01-02T15:04:05.000Z ")
		marker = append(marker, "[ptykeeper: "+strconv.Itoa(dropped)+" lines lost: the log could not be written fast enough]\n"...)
		buf = append(marker, buf...)
	}
	if len(buf) > 0 && w.f == nil && !time.Now().Before(w.nextOpen) {
		w.open()
	}
	switch {
	case len(buf) == 0:
	case w.f == nil:
		w.countDropped(lineCount(buf))
	default:
		n, err := w.f.Write(buf)
		w.size += int64(n)
		if err != nil {
			w.countDropped(lineCount(buf[n:]))
		}
		if w.size >= w.maxSize {
			w.rotate()
		}
	}
	w.mu.Lock()
	w.spare = buf[:0]
	w.mu.Unlock()
}

func lineCount(b []byte) int {
	n := 0
	for _, c := range b {
		if c == '\n' {
			n++
		}
	}
	return n
}

// rotate shifts current.(keep-1) → current.keep ... current → current.1.
func (w *Writer) rotate() {
	w.f.Close()
	base := filepath.Join(w.dir, "current")
	os.Remove(base + "." + strconv.Itoa(w.keep))
	for i := w.keep - 1; i >= 1; i-- {
		os.Rename(base+"."+strconv.Itoa(i), base+"."+strconv.Itoa(i+1))
	}
	os.Rename(base, base+".1")
	w.open() // on failure f stays nil and later flushes retry
}
