package screen

import "testing"

func TestWidth(t *testing.T) {
	tests := []struct {
		r    rune
		want int
	}{
		{'a', 1}, {'~', 1}, {0x85, -1}, {0x9b, -1}, {0xa0, 1}, {0xad, 1}, {'é', 1}, {'Ω', 1}, {'я', 1},
		{0x301, 0}, {0x332, 0}, {0x200b, 0}, {0x200d, 0}, {0xfe0f, 0}, {0x1160, 0}, {0x11a8, 0},
		{'─', 1}, {'│', 1}, {'€', 1}, {'ｱ', 1},
		{'中', 2}, {'文', 2}, {'字', 2}, {'한', 2}, {'あ', 2}, {'ア', 2}, {'Ａ', 2}, {'　', 2},
		{'👍', 2}, {'👩', 2}, {0x1f1ef, 1}, {0x1f3fd, 2}, {0x20000, 2},
		{0x2630, 1}, {0x3248, 2}, {0xd7b0, 0}, {0x600, 1},
		{0xe0001, 0}, // language tag: a format character
	}
	var c widthCache
	c.r = -1
	for _, tt := range tests {
		if got := c.runeWidth(tt.r); got != tt.want {
			t.Errorf("width of %U %q: %d, want %d", tt.r, tt.r, got, tt.want)
		}
	}
}

// The table agrees with the function it is built from.
func TestWidthTable(t *testing.T) {
	for r := rune(0); r < 0x10000; r++ {
		if r >= 0xd800 && r <= 0xdfff {
			continue
		}
		if got, want := lookupWidth(r), slowWidth(r); got != want {
			t.Fatalf("%U: table %d, function %d", r, got, want)
		}
	}
}
