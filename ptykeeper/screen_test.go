package ptykeeper

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// The emulator's own scrollback (on both screens) and its 4 MiB parser
// buffer are switched off through unexported fields; this fails if x/vt
// changes under us.
func TestScreenModelMemory(t *testing.T) {
	before := liveHeap()
	var models []*vtScreen
	for i := 0; i < 5; i++ {
		m := newVTScreen(Size{80, 24})
		defer m.Close()
		models = append(models, m)
	}
	per := (liveHeap() - before) / 5
	if per > 512<<10 {
		t.Fatalf("a screen model holds %d KiB, want under 512 KiB (is the unused alternate screen allocated?)", per>>10)
	}
	m := models[0]
	line := []byte("scrolling text line, the quick brown fox jumps over the lazy dog\r\n")
	base := liveHeap()
	for _, alt := range []string{"", "\x1b[?1049h"} {
		m.Write([]byte(alt))
		for i := 0; i < 5000; i++ {
			m.Write(line)
		}
	}
	if grown := int64(liveHeap()) - int64(base); grown > 512<<10 {
		t.Fatalf("10,000 scrolled lines grew the model by %d KiB: scrollback is on", grown>>10)
	}
	runtime.KeepAlive(models)
}

// The alternate screen is freed when left and made again when entered.
func TestScreenAltScreenAgain(t *testing.T) {
	m := newVTScreen(Size{20, 5})
	defer m.Close()
	for _, word := range []string{"first", "second"} {
		m.Write([]byte("\x1b[?1049h\x1b[H\x1b[2J" + word + " alt\x1b[3;4Hx"))
		var b bytes.Buffer
		m.Text(&b, false)
		if got := b.String(); got != word+" alt\n\n   x\n" {
			t.Fatalf("alt screen: %q", got)
		}
		m.Write([]byte("\x1b[?1049lmain " + word + "\r\n"))
		b.Reset()
		m.Text(&b, false)
		if !strings.Contains(b.String(), "main "+word) || strings.Contains(b.String(), "alt") {
			t.Fatalf("main screen after leaving alt: %q", b.String())
		}
	}
	m.Resize(Size{30, 8}) // resizing on the main screen keeps the alt screen freed
	m.Write([]byte("\x1b[?1049h\x1b[8;30Hz"))
	var b bytes.Buffer
	m.Text(&b, false)
	if lines := strings.Split(b.String(), "\n"); len(lines) != 9 || !strings.HasSuffix(lines[7], "z") {
		t.Fatalf("alt screen after resize: %q", b.String())
	}
}

func TestScreenText(t *testing.T) {
	m := newVTScreen(Size{20, 5})
	defer m.Close()
	m.Write([]byte("\x1b[1;31mred\x1b[0m plain\r\n\x1b[44m   \x1b[0m\r\n漢字"))
	var plain, styled bytes.Buffer
	m.Text(&plain, false)
	m.Text(&styled, true)
	if got := plain.String(); got != "red plain\n\n漢字\n" {
		t.Fatalf("plain snapshot %q", got)
	}
	if !strings.Contains(styled.String(), "\x1b[0m\x1b[1;31mred\x1b[0m") {
		t.Fatalf("ansi snapshot lacks the style: %q", styled.String())
	}
}

func TestHistoryKeepsNewestLines(t *testing.T) {
	h := NewHistory(1000)
	for i := 0; i < 5000; i++ {
		h.Add([]byte(fmt.Sprintf("line %d", i)))
		if i == 2500 {
			h.Compact()
		}
	}
	h.Compact()
	got := string(h.Last(3))
	if got != "line 4997\nline 4998\nline 4999\n" {
		t.Fatalf("last 3: %q", got)
	}
	if n := strings.Count(string(h.Last(5000)), "\n"); n != 1000 {
		t.Fatalf("kept %d lines, want 1000", n)
	}
}

func TestTextFilter(t *testing.T) {
	var lines []string
	f := TextFilter{Line: func(l []byte) { lines = append(lines, string(l)) }}
	f.Write([]byte("\x1b[1mbold\x1b[0m text\r\nprogress 10%\rprogress 99%\r\n"))
	f.Write([]byte("ab\bc\x1b]0;title\x07 done\r\n\x1b[?1049hfull screen\x1b[?1049l"))
	f.Write([]byte("back\r\n"))
	want := []string{"bold text", "progress 99%", "ac done", "back"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("lines %q, want %q", lines, want)
	}
}

func FuzzTextFilter(f *testing.F) {
	f.Add([]byte("\x1b[1mx\x1b[0m\r\n\x1b]2;t\x1b\\y\n"))
	f.Add([]byte("\x1b[?1049h\x1b[?47l\x1bP1$q\x1b\\"))
	f.Fuzz(func(t *testing.T, in []byte) {
		tf := TextFilter{Line: func(l []byte) {
			if len(l) > maxLineLen || bytes.ContainsAny(l, "\x1b\n") {
				t.Fatalf("bad line %q", l)
			}
		}}
		tf.Write(in)
	})
}
