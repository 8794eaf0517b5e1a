package main

import (
	"bytes"
	"testing"
)

// answersTo feeds the pieces to one scanner and returns all answers.
func answersTo(pieces ...[]byte) []byte {
	var s queryScanner
	var out []byte
	for _, p := range pieces {
		s.scan(p, func(a []byte) { out = append(out, a...) })
	}
	return out
}

func TestQueryScanner(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"DSR", "abc\x1b[5ndef", "\x1b[0n"},
		{"CPR", "\x1b[6n", "\x1b[24;1R"},
		{"DA1", "\x1b[c", "\x1b[?62;22c"},
		{"DA1 with 0", "\x1b[0c", "\x1b[?62;22c"},
		{"in order", "\x1b[c text \x1b[5n\x1b[6n", "\x1b[?62;22c\x1b[0n\x1b[24;1R"},
		{"DA2 is not DA1", "\x1b[>c", ""},
		{"DECXCPR is not CPR", "\x1b[?6n", ""},
		{"other CSI", "\x1b[2J\x1b[1;1H\x1b[0m\x1b[5m", ""},
		{"longer parameters", "\x1b[15n\x1b[55n", ""},
		{"intermediate byte", "\x1b[5 n", ""},
		{"ESC restarts", "\x1b[5\x1b[5n", "\x1b[0n"},
		{"CAN cancels", "\x1b[5\x18n", ""},
		{"C0 inside is executed, not an end", "\x1b[5\rn", "\x1b[0n"},
		{"ESC not CSI", "\x1b(B\x1b]0;title\x07", ""},
		{"overlong parameters", "\x1b[1;2;3;4;5;6;7;8;9;5n", ""},
		{"plain text", "y\r\ny\r\n5n c", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := answersTo([]byte(tc.in)); string(got) != tc.want {
				t.Errorf("answers to %q: %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// A query split across reads at any point is answered once, as a whole.
func TestQueryScannerAcrossReads(t *testing.T) {
	in := []byte("flood\x1b[5nmore\x1b[6n\x1b[c")
	want := answersTo(in)
	for i := 0; i <= len(in); i++ {
		for j := i; j <= len(in); j++ {
			if got := answersTo(in[:i], in[i:j], in[j:]); !bytes.Equal(got, want) {
				t.Fatalf("split at %d,%d: %q, want %q", i, j, got, want)
			}
		}
	}
}

// FuzzQueryScanner: how the stream is cut into reads never changes the
// answers, and every answer is one of the three.
func FuzzQueryScanner(f *testing.F) {
	f.Add([]byte("\x1b[5n\x1b[6n\x1b[c"), uint(3))
	f.Add([]byte("y\r\n\x1b[?6n\x1b[>c\x1b[0c"), uint(7))
	f.Fuzz(func(t *testing.T, in []byte, cut uint) {
		c := int(cut % uint(len(in)+1))
		whole, split := answersTo(in), answersTo(in[:c], in[c:])
		if !bytes.Equal(whole, split) {
			t.Fatalf("cut at %d: %q, whole: %q", c, split, whole)
		}
		for rest := whole; len(rest) > 0; {
			switch {
			case bytes.HasPrefix(rest, answerDSR):
				rest = rest[len(answerDSR):]
			case bytes.HasPrefix(rest, answerCPR):
				rest = rest[len(answerCPR):]
			case bytes.HasPrefix(rest, answerDA1):
				rest = rest[len(answerDA1):]
			default:
				t.Fatalf("unexpected answer bytes %q", rest)
			}
		}
	})
}
