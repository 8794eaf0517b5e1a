package reftest

import (
	"slices"
	"testing"
)

func TestGroundOffsets(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []int
	}{
		{"ab", []int{1, 2}},
		{"a\x1b[1;2Hb", []int{1, 7, 8}},
		{"\x1b]2;t\x07x", []int{6, 7}},
		{"\x1b]2;t\x1b\\x", []int{7, 8}},        // ST
		{"\x1b]2;\x1b[Ax", []int{7, 8}},         // ESC ends an OSC and starts a sequence
		{"\x1bP\x18q\x1b[\x1b\\x", []int{8, 9}}, // in DCS only ESC \ ends it, not CAN
		{"\x1b[1\x18x", []int{4, 5}},            // CAN aborts
		{"中x", []int{3, 4}},                     // never inside a character
		{"\x1b(0q", []int{3, 4}},
		{"\x1b#8", []int{3}},
		{"\x1b[?1049h\r\n", []int{8, 9, 10}},
	} {
		if got := GroundOffsets([]byte(tc.in)); !slices.Equal(got, tc.want) {
			t.Errorf("GroundOffsets(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestPickCuts(t *testing.T) {
	stream := []byte(numbered(24) + "\x1b[1;31mred\x1b]2;title\x07中文\x1b[5;10r")
	cuts := PickCuts("name", stream, []Cut{{Label: "given", Offset: 10, Ground: true}}, 6, 3)
	again := PickCuts("name", stream, []Cut{{Label: "given", Offset: 10, Ground: true}}, 6, 3)
	if !slices.Equal(cuts, again) {
		t.Fatal("cuts differ between runs")
	}
	if len(cuts) < 8 {
		t.Errorf("%d cuts, want the given one, 6 random, some arbitrary and the end: %v", len(cuts), cuts)
	}
	seen := map[int]bool{}
	for i, c := range cuts {
		if i > 0 && c.Offset < cuts[i-1].Offset {
			t.Errorf("cuts out of order: %v", cuts)
		}
		if seen[c.Offset] {
			t.Errorf("offset %d twice", c.Offset)
		}
		seen[c.Offset] = true
		if c.Ground != InGround(stream[:c.Offset]) {
			t.Errorf("cut %v: Ground is wrong", c)
		}
	}
	if last := cuts[len(cuts)-1]; last.Label != "end" || last.Offset != len(stream) {
		t.Errorf("last cut %v, want the end", last)
	}
}

// GroundOffsets agrees with InGround on every prefix.
func FuzzGroundOffsets(f *testing.F) {
	f.Add([]byte("a\x1b[1mb\x1b]0;x\x07\x1bP1$q\x1b\\中"))
	f.Fuzz(func(t *testing.T, in []byte) {
		offs := GroundOffsets(in)
		j := 0
		for i := 1; i <= len(in); i++ {
			at := j < len(offs) && offs[j] == i
			if at {
				j++
			}
			if at != InGround(in[:i]) {
				t.Fatalf("offset %d of %q: GroundOffsets says %v", i, in, at)
			}
		}
	})
}
