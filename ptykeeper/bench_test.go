package ptykeeper

import (
	"testing"
)

// BenchmarkClientRead drives the real Client.Read path against a ring fed
// in the same goroutine.
func BenchmarkClientRead(b *testing.B) {
	k := New(Options{})
	s := newSession(Spec{Name: "b", Command: []string{"true"}}.Defaults(), k.opts)
	defer func() { s.remove(); s.wg.Wait() }()
	c, err := s.Attach(AttachOptions{Size: Size{80, 24}})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 32<<10)
	c.Read(buf) // the repaint
	for len(c.pending) > 0 {
		c.Read(buf)
	}
	chunk := make([]byte, 4096)
	for i := range chunk {
		chunk[i] = 'x'
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(chunk)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.ring.Write(chunk)
		for got := 0; got < len(chunk); {
			n, err := c.Read(buf)
			if err != nil {
				b.Fatal(err)
			}
			got += n
		}
	}
}

// BenchmarkOutputPath is what the pump does with each chunk it reads:
// the screen model, the ring (with one attached client that keeps up), the
// text filter and the history. Its MB/s bounds how fast a program can be
// drained; it must not allocate.
func BenchmarkOutputPath(b *testing.B) {
	for _, tc := range []struct{ name, line string }{
		{"plain", "line 00000000 the quick brown fox jumps over the lazy dog 0123456789\r\n"},
		{"sgr", "\x1b[1;32mline\x1b[0m \x1b[38;5;208m00000000\x1b[0m the \x1b[4mquick\x1b[24m brown \x1b[48;2;10;20;30mfox\x1b[0m jumps\r\n"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			k := New(Options{})
			s := newSession(Spec{Name: "b", Command: []string{"true"}}.Defaults(), k.opts)
			defer func() { s.remove(); s.wg.Wait() }()
			chunk := make([]byte, 0, 32<<10)
			for len(chunk)+len(tc.line) <= cap(chunk) {
				chunk = append(chunk, tc.line...)
			}
			sub := s.ring.Subscribe(s.ring.Head(), true)
			defer s.ring.Unsubscribe(sub)
			buf := make([]byte, 64<<10)
			b.SetBytes(int64(len(chunk)))
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.output(chunk)
				off := s.ring.Head()
				s.ring.ReadAt(buf, off-uint64(len(chunk)))
				sub.Consumed(off)
			}
		})
	}
}

// BenchmarkTextFilter is the cost of turning output into history lines.
func BenchmarkTextFilter(b *testing.B) {
	line := []byte("line 00000000 the \x1b[1mquick\x1b[0m brown fox jumps over the lazy dog 0123456789\r\n")
	chunk := make([]byte, 0, 32<<10)
	for len(chunk)+len(line) <= cap(chunk) {
		chunk = append(chunk, line...)
	}
	h := NewHistory(DefaultHistoryLines)
	f := TextFilter{Line: h.Add}
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f.Write(chunk)
	}
}

// BenchmarkAttachRepaint is a client's first Read: the repaint of a
// full-screen program's screen.
func BenchmarkAttachRepaint(b *testing.B) {
	k := New(Options{})
	s := newSession(Spec{Name: "b", Command: []string{"true"}}.Defaults(), k.opts)
	defer func() { s.remove(); s.wg.Wait() }()
	s.output([]byte("\x1b[?1049h\x1b[H"))
	for y := 0; y < 24; y++ {
		s.output([]byte("\x1b[1;32mgreen \x1b[0;38;5;200mindexed \x1b[48;2;1;2;3mtruecolor\x1b[0m 漢字 text text text text text\r\n"))
	}
	buf := make([]byte, 64<<10)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c, err := s.Attach(AttachOptions{Size: Size{80, 24}})
		if err != nil {
			b.Fatal(err)
		}
		c.Read(buf)
		c.Close()
	}
}
