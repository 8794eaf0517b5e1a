package ptykeeper

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

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
