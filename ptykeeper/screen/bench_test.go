package screen

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/vt"
)

// chunk is the size of the PTY pump's reads: Write sees at most this much
// at a time.
const chunk = 32 << 10

type stream struct {
	name string
	data []byte
}

// benchStreams returns the recorded streams (testdata/streams/*.bin) and
// two synthetic ones that stress one thing each.
func benchStreams(tb testing.TB) []stream {
	files, err := filepath.Glob("testdata/streams/*.bin")
	if err != nil {
		tb.Fatal(err)
	}
	var ss []stream
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		ss = append(ss, stream{strings.TrimSuffix(filepath.Base(f), ".bin"), data})
	}
	return append(ss, stream{"synthetic-ascii", syntheticASCII()}, stream{"synthetic-sgr", syntheticSGR()})
}

// syntheticASCII is 1 MiB of 79-column lines: the best case, plain text
// scrolling.
func syntheticASCII() []byte {
	var b []byte
	line := "the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvw"
	for i := 0; len(b) < 1<<20; i++ {
		b = append(b, line[:79-len(strconv.Itoa(i))]...)
		b = strconv.AppendInt(b, int64(i), 10)
		b = append(b, "\r\n"...)
	}
	return b
}

// syntheticSGR is 1 MiB of words, each in its own 256-colour or RGB
// colour and attributes: the worst case for SGR parsing.
func syntheticSGR() []byte {
	var b []byte
	for i := 0; len(b) < 1<<20; i++ {
		switch i % 4 {
		case 0:
			b = append(b, "\x1b[38;5;"...)
			b = strconv.AppendInt(b, int64(i%256), 10)
			b = append(b, 'm')
		case 1:
			b = append(b, "\x1b[1;4;48;2;10;"...)
			b = strconv.AppendInt(b, int64(i%256), 10)
			b = append(b, ";200m"...)
		case 2:
			b = append(b, "\x1b[0;3;31m"...)
		case 3:
			b = append(b, "\x1b[m"...)
		}
		b = append(b, "word "...)
		if i%14 == 13 {
			b = append(b, "\r\n"...)
		}
	}
	return b
}

// cpuTime returns the CPU time the process has used. On a machine shared
// with other work, throughput per CPU second is steadier than per wall
// second, which counts the time the benchmark waited for a CPU.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports MB per CPU second since start, for b.N passes over n
// bytes.
func reportCPU(b *testing.B, start time.Duration, n int) {
	if d := cpuTime() - start; d > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/d.Seconds()/1e6, "MB/cpu-s")
	}
}

func writeChunks(write func([]byte), data []byte) {
	for len(data) > 0 {
		n := min(len(data), chunk)
		write(data[:n])
		data = data[n:]
	}
}

// BenchmarkWrite parses each stream at 80x24, in pump-sized chunks, into
// one screen (steady state: the first pass allocates what the stream
// needs, later ones reuse it).
func BenchmarkWrite(b *testing.B) {
	for _, st := range benchStreams(b) {
		b.Run(st.name, func(b *testing.B) {
			s := New(80, 24)
			writeChunks(s.Write, st.data)
			b.SetBytes(int64(len(st.data)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				writeChunks(s.Write, st.data)
				s.AppendReplies(s.replies[:0])
			}
			reportCPU(b, cpu, len(st.data))
		})
	}
}

// BenchmarkXVT is the same as BenchmarkWrite for github.com/charmbracelet/x/vt,
// the model this package replaces (its scrollback off, as the keeper ran
// it, and its query replies drained).
func BenchmarkXVT(b *testing.B) {
	for _, st := range benchStreams(b) {
		b.Run(st.name, func(b *testing.B) {
			e := vt.NewEmulator(80, 24)
			e.SetScrollbackSize(1)
			done := make(chan struct{})
			go func() {
				defer close(done)
				io.Copy(io.Discard, e)
			}()
			write := func(p []byte) { e.Write(p) }
			b.SetBytes(int64(len(st.data)))
			b.ReportAllocs()
			b.ResetTimer()
			cpu := cpuTime()
			for i := 0; i < b.N; i++ {
				writeChunks(write, st.data)
			}
			reportCPU(b, cpu, len(st.data))
			b.StopTimer()
			// Emulator.Close races with a Read in progress (x/vt#850):
			// end the reader by closing the reply pipe itself.
			if pw, ok := e.InputPipe().(*io.PipeWriter); ok {
				pw.CloseWithError(io.EOF)
			}
			<-done
		})
	}
}

// vimLike returns a screen like vim's: alternate screen, syntax colours on
// every row, a status line, some text on the main screen.
func vimLike() *Screen {
	s := New(80, 24)
	s.Write([]byte("$ ls -l\r\ntotal 8\r\n-rw-r--r-- 1 me me 1234 Jan  1 00:00 file.go\r\n$ vim file.go"))
	s.Write([]byte("\x1b[?1049h\x1b[22;0t\x1b[?1h\x1b=\x1b[H\x1b[2J"))
	for y := 1; y <= 23; y++ {
		s.Write([]byte("\x1b[" + strconv.Itoa(y) + ";1H\x1b[33m" + strconv.Itoa(y) + "\x1b[m \x1b[38;5;81mfunc\x1b[m \x1b[1;38;5;148mname\x1b[m(\x1b[38;5;208marg\x1b[m \x1b[38;5;81mint\x1b[m) {\x1b[K"))
	}
	s.Write([]byte("\x1b[24;1H\x1b[7m\"file.go\" 23L, 900B                                     1,1           All\x1b[m\x1b[1;3H\x1b[?25h"))
	return s
}

// BenchmarkRepaint builds the full repaint of a vim-like screen.
func BenchmarkRepaint(b *testing.B) {
	s := vimLike()
	buf := s.AppendRepaint(nil)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf = s.AppendRepaint(buf[:0])
	}
	b.ReportMetric(float64(len(buf)), "bytes/repaint")
}

// BenchmarkDiff measures the difference after a small change (a word typed
// on one line, the cursor moved) on a vim-like screen, and the snapshot
// that follows it.
func BenchmarkDiff(b *testing.B) {
	s := vimLike()
	var f Frame
	s.Snapshot(&f)
	edits := [][]byte{[]byte("\x1b[5;10Hword\x1b[5;14H"), []byte("\x1b[5;10Hname\x1b[5;14H")}
	var buf []byte
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Write(edits[i%2])
		buf = s.AppendDiff(buf[:0], &f)
		s.Snapshot(&f)
	}
	b.ReportMetric(float64(len(buf)), "bytes/diff")
}

// BenchmarkSnapshot copies a vim-like screen into a Frame.
func BenchmarkSnapshot(b *testing.B) {
	s := vimLike()
	var f Frame
	s.Snapshot(&f)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.Snapshot(&f)
	}
}
