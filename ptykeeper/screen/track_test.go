package screen

import (
	"fmt"
	"testing"
)

func TestAnsweredSpansAndSequenceStart(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		spans  string
		mid    bool
		start  uint64
	}{
		{"none", []string{"plain \x1b[1mtext\x1b[0m"}, "[]", false, 0},
		{"two queries", []string{"ab\x1b[5nc\x1b[6n"}, "[{2 6} {7 11}]", false, 0},
		{"DA1 DA2", []string{"\x1b[c\x1b[>c"}, "[{0 3} {3 7}]", false, 0},
		{"split query", []string{"xy\x1b[", "6n"}, "[{2 6}]", false, 0},
		{"split byte by byte", []string{"\x1b", "[", "5", "n", "z"}, "[{0 4}]", false, 0},
		{"colour query not answered", []string{"\x1b]11;?\x07"}, "[]", false, 0},
		{"unfinished sequence", []string{"abc\x1b[3"}, "[]", true, 3},
		{"unfinished OSC", []string{"a\x1b]2;tit", "le"}, "[]", true, 1},
		{"unfinished UTF-8", []string{"ab\xe6\xbc"}, "[]", true, 2},
		{"query inside a ground run", []string{"\x1b[0;30r\x1b[5n"}, "[{7 11}]", false, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(80, 24)
			for _, w := range tc.writes {
				s.Write([]byte(w))
			}
			if got := fmt.Sprint(s.AppendAnswered(nil)); got != tc.spans {
				t.Errorf("spans %s, want %s", got, tc.spans)
			}
			if s.MidSequence() != tc.mid || (tc.mid && s.SequenceStart() != tc.start) {
				t.Errorf("mid %v start %d, want %v %d", s.MidSequence(), s.SequenceStart(), tc.mid, tc.start)
			}
			if got := fmt.Sprint(s.AppendAnswered(nil)); got != "[]" {
				t.Errorf("spans not forgotten: %s", got)
			}
		})
	}
}
