package logfile

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRotationMakesRightFiles(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, 8192, 3)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 100))
	for i := 0; i < 1000; i++ { // ~125 KB: many rotations
		w.Line(line)
		if i%50 == 0 {
			time.Sleep(time.Millisecond) // let flushes happen at various sizes
		}
	}
	w.Close()
	for _, name := range []string{"current", "current.1", "current.2", "current.3"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if name != "current" && (st.Size() < 8192 || st.Size() > 8192+maxPending) {
			t.Errorf("%s is %d bytes", name, st.Size())
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "current.4")); err == nil {
		t.Error("kept more than 3 archives")
	}
	b, _ := os.ReadFile(filepath.Join(dir, "current.1"))
	first := strings.SplitN(string(b), "\n", 2)[0]
	if _, err := time.Parse("2006-01-02T15:04:05.000Z", strings.Fields(first)[0]); err != nil || !strings.HasSuffix(first, string(line)) {
		t.Fatalf("line format %q", first)
	}
}

func TestAppendsAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	w, _ := Open(dir, 1<<20, 2)
	w.Line([]byte("one"))
	w.Close()
	w, _ = Open(dir, 1<<20, 2)
	w.Line([]byte("two"))
	waitFor(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "current"))
		return strings.Contains(string(b), "two")
	})
	os.Rename(filepath.Join(dir, "current"), filepath.Join(dir, "rotated-by-logrotate"))
	ReopenAll()
	waitFor(t, func() bool { _, err := os.Stat(filepath.Join(dir, "current")); return err == nil })
	w.Line([]byte("three"))
	w.Close()
	old, _ := os.ReadFile(filepath.Join(dir, "rotated-by-logrotate"))
	cur, _ := os.ReadFile(filepath.Join(dir, "current"))
	if !strings.Contains(string(old), "one") || !strings.Contains(string(old), "two") || !strings.Contains(string(cur), "three") {
		t.Fatalf("old %q current %q", old, cur)
	}
}

// A stalled disk (here: a FIFO nobody reads) must not block Line; lines are
// dropped and a marker says how many once writing works again.
func TestStalledDiskDropsAndMarks(t *testing.T) {
	dir := t.TempDir()
	w, err := Open(dir, 1<<30, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Swap the file for a FIFO whose reader we control.
	fifo := filepath.Join(dir, "fifo")
	if err := syscallMkfifo(fifo); err != nil {
		t.Skip(err)
	}
	// A reader that never reads: the FIFO fills and writes block, as on a
	// hung disk.
	rd, _ := os.OpenFile(fifo, os.O_RDONLY|syscallNonblock, 0)
	f, _ := os.OpenFile(fifo, os.O_WRONLY, 0)
	w.wake <- struct{}{} // make sure the loop is idle before swapping
	time.Sleep(10 * time.Millisecond)
	old := w.f
	w.f = f // only the loop touches f, and it is idle now
	old.Close()
	start := time.Now()
	line := []byte(strings.Repeat("y", 1000))
	for i := 0; i < 5000; i++ { // 5 MB into a 1 MB buffer behind a stalled disk
		w.Line(line)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Line blocked for %v", d)
	}
	w.mu.Lock()
	dropped := w.dropped
	w.mu.Unlock()
	if dropped == 0 {
		t.Fatal("nothing counted as dropped")
	}
	rd.Close() // the stalled write fails; the loop goes on
	w.Reopen()
	w.Line([]byte("after"))
	w.Close()
	cur, _ := os.ReadFile(filepath.Join(dir, "current"))
	if !strings.Contains(string(cur), "lines lost") || !strings.Contains(string(cur), "after") {
		t.Fatalf("current after the stall: %.300q", cur)
	}
}

// A reopen that fails (the log directory is gone) does not leave the writer
// writing into a closed file for ever: the lines meanwhile are counted as
// lost, and once the directory is back the log goes on, with a marker.
func TestFailedReopenRecovers(t *testing.T) {
	defer func(d time.Duration) { retryWait = d }(retryWait)
	retryWait = 0
	parent := t.TempDir()
	dir := filepath.Join(parent, "s")
	w, err := Open(dir, 1<<20, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	w.Line([]byte("before"))
	waitFor(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "current"))
		return strings.Contains(string(b), "before")
	})
	os.RemoveAll(dir)
	os.WriteFile(dir, nil, 0o600) // a file where the directory was: opening dir/current fails
	w.Reopen()
	w.Line([]byte("lost"))
	waitFor(t, func() bool { w.mu.Lock(); defer w.mu.Unlock(); return w.dropped > 0 })
	os.Remove(dir)
	os.Mkdir(dir, 0o750)
	w.Line([]byte("after"))
	waitFor(t, func() bool {
		b, _ := os.ReadFile(filepath.Join(dir, "current"))
		return strings.Contains(string(b), "after") && strings.Contains(string(b), "1 lines lost")
	})
}

// Line racing Close must not panic (it once could send on a closed channel).
func TestLineRacesClose(t *testing.T) {
	dir := t.TempDir()
	for range 2000 {
		w, err := Open(dir, 1<<20, 2)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for range 50 {
					w.Line(nil)
				}
			})
		}
		w.Close()
		wg.Wait()
	}
}
