package screen

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A difference costs what changed, not the screen.
func TestDiffSmall(t *testing.T) {
	tests := []struct {
		name   string
		change string
		want   string // the exact difference
	}{
		{"nothing", "", ""},
		{"one character at the cursor", "x", "x"},
		{"a word elsewhere", "\x1b[10;5Hword\x1b[1;3H", "\x1b[10;5Hword\x1b[1;3H"},
		{"the cursor only", "\x1b[5;5H", "\x1b[5;5H"},
		{"a mode", "\x1b[?2004h", "\x1b[?2004h"},
		{"the pen", "\x1b[1;31m", "\x1b[1;31m"},
		{"the title", "\x1b]2;t\x07", "\x1b]2;t\x1b\\"},
		{"cursor hidden", "\x1b[?25l", "\x1b[?25l"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := vimLike()
			var f Frame
			s.Snapshot(&f)
			s.Write([]byte(tt.change))
			if got := string(s.AppendDiff(nil, &f)); got != tt.want {
				t.Fatalf("difference %q, want %q", got, tt.want)
			}
		})
	}
}

// Attaching while vim runs, then quitting vim, shows the shell as a
// terminal that never detached shows it.
func TestRepaintThenLeaveAlternate(t *testing.T) {
	s := vimLike()
	term := New(80, 24)
	term.Write([]byte("\x1b[?1049h\x1b[31mthe user's own screen\x1b[5;5r\x1b[?6h"))
	term.Write(s.AppendRepaint(nil))
	quit := []byte("\x1b[?1049l\x1b[23;0t\r\n$ ")
	s.Write(quit)
	term.Write(quit)
	if d := Compare(s, term); d != "" {
		t.Fatal(d)
	}
	if got := text(term); !strings.HasPrefix(got, "$ ls -l\ntotal 8\n") || !strings.Contains(got, "$ vim file.go\n$") {
		t.Fatalf("the shell after vim: %q", got)
	}
}

// The recorded streams, cut where their programs waited for input: a fresh
// terminal fed the repaint equals the model, and a terminal kept up to date
// with differences from cut to cut equals it too.
func TestStreamsRepaintAndDiff(t *testing.T) {
	files, _ := filepath.Glob("testdata/streams/*.bin")
	if len(files) == 0 {
		t.Skip("no recorded streams")
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".bin")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			cuts := readCuts(t, strings.TrimSuffix(file, ".bin")+".cuts", len(data))
			s := New(80, 24)
			term := New(80, 24)
			var f Frame
			s.Snapshot(&f)
			off := 0
			for _, cut := range cuts {
				s.Write(data[off:cut])
				off = cut
				fresh := New(80, 24)
				fresh.Write(s.AppendRepaint(nil))
				if d := Compare(s, fresh); d != "" {
					t.Fatalf("repaint at %d: %s", cut, d)
				}
				term.Write(s.AppendDiff(nil, &f))
				if d := Compare(s, term); d != "" {
					t.Fatalf("differences up to %d: %s", cut, d)
				}
				s.Snapshot(&f)
			}
		})
	}
}

// readCuts returns the offsets of a .cuts file, or evenly spread ones, and
// the end.
func readCuts(t *testing.T, path string, n int) []int {
	var cuts []int
	if b, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if off, err := strconv.Atoi(strings.Fields(line)[0]); err == nil && off <= n {
				cuts = append(cuts, off)
			}
		}
	} else {
		for i := 1; i < 8; i++ {
			cuts = append(cuts, n*i/8)
		}
	}
	return append(cuts, n)
}
