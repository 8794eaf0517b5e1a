package ring

import (
	"bytes"
	"testing"
)

func fill(n int, c byte) []byte { return bytes.Repeat([]byte{c}, n) }

func read(t *testing.T, r *Ring, off uint64, n int) ([]byte, bool) {
	t.Helper()
	buf := make([]byte, n)
	m, lost := r.ReadAt(buf, off)
	return buf[:m], lost
}

func TestWriteReadWrap(t *testing.T) {
	r := New(16, 16)
	r.Write([]byte("0123456789"))
	r.Write([]byte("abcdefghij")) // wraps: the oldest 4 bytes are gone
	if r.Head() != 20 || r.Tail() != 4 {
		t.Fatalf("head %d tail %d", r.Head(), r.Tail())
	}
	if got, lost := read(t, r, 4, 32); lost || string(got) != "456789abcdefghij" {
		t.Fatalf("read %q lost %v", got, lost)
	}
	if _, lost := read(t, r, 3, 32); !lost {
		t.Fatal("a read before the tail must report lost")
	}
	r.Write(fill(40, 'z')) // larger than the ring: the newest 16 bytes stay
	if got, _ := read(t, r, r.Tail(), 32); string(got) != string(fill(16, 'z')) || r.Head() != 60 {
		t.Fatalf("after a big write: %q head %d", got, r.Head())
	}
}

// A lossless reader that lags makes the ring grow (up to max) instead of
// losing bytes; past max it loses them; Shrink gives memory back once it
// caught up; an unsubscribed reader holds nothing.
func TestLosslessGrowthAndShrink(t *testing.T) {
	r := New(16, 64)
	sub := r.Subscribe(0, true)
	r.Write(fill(40, 'a'))
	if got, lost := read(t, r, 0, 64); lost || len(got) != 40 {
		t.Fatalf("lagging lossless reader lost bytes: %d %v", len(got), lost)
	}
	r.Write(fill(40, 'b')) // 80 > max 64
	if _, lost := read(t, r, 0, 64); !lost {
		t.Fatal("past max the oldest bytes must go")
	}
	r.Shrink()
	if len(r.buf) != 64 {
		t.Fatal("shrunk under a reader that has not caught up")
	}
	sub.Consumed(r.Head())
	r.Shrink()
	if len(r.buf) != 16 {
		t.Fatalf("ring %d bytes after everybody caught up, want 16", len(r.buf))
	}
	r.Unsubscribe(sub)
	late := r.Subscribe(r.Head(), true)
	r.Write(fill(40, 'c'))
	r.Unsubscribe(late)
	r.Shrink()
	if len(r.buf) != 16 || r.Subscribers() != 0 {
		t.Fatalf("an unsubscribed reader still holds memory: %d", len(r.buf))
	}
}

// Write wakes every subscriber once per pending wake-up, never blocking.
func TestWakeUps(t *testing.T) {
	r := New(16, 16)
	a, b := r.Subscribe(0, false), r.Subscribe(0, false)
	for range 3 {
		r.Write([]byte("x"))
	}
	for _, s := range []*Sub{a, b} {
		select {
		case <-s.C:
		default:
			t.Fatal("no wake-up")
		}
		select {
		case <-s.C:
			t.Fatal("wake-ups not coalesced")
		default:
		}
	}
}

// BenchmarkFanout measures the hot path: the pump's write into the ring and
// one attached client's read of it, in steady state. It must not allocate.
func BenchmarkFanout(b *testing.B) {
	for _, clients := range []int{1, 10} {
		b.Run(map[int]string{1: "1client", 10: "10clients"}[clients], func(b *testing.B) {
			r := New(64<<10, 8<<20)
			chunk := make([]byte, 4096)
			for i := range chunk {
				chunk[i] = 'a' + byte(i%26)
			}
			type reader struct {
				sub *Sub
				off uint64
				buf []byte
			}
			rs := make([]*reader, clients)
			for i := range rs {
				rs[i] = &reader{sub: r.Subscribe(0, true), buf: make([]byte, 32<<10)}
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(chunk)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r.Write(chunk)
				for _, rd := range rs {
					<-rd.sub.C
					n, lost := r.ReadAt(rd.buf, rd.off)
					if lost {
						b.Fatal("lost")
					}
					rd.off += uint64(n)
					rd.sub.Consumed(rd.off)
				}
			}
		})
	}
}
