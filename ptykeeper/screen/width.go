// width.go decides how many columns a rune takes: 0 (combines with the
// character before it), 1, or 2 (East Asian wide, emoji).
//
// The table is github.com/clipperhouse/displaywidth's (a trie, a few ns per
// rune), corrected where it departs from glibc's wcwidth, which is what
// tmux and most terminals on a Linux host use: ~400 of 280,000 assigned code
// points differ, almost all Unicode 16 additions (see TestWidthMatchesGlibc).

package screen

import (
	"sync"

	"github.com/clipperhouse/displaywidth"
)

// widthCache remembers the width of the last non-ASCII rune looked up:
// text in one script repeats runes of similar kind, and a CJK or box-drawing
// run often repeats the very same rune.
type widthCache struct {
	r rune
	w int8
}

// runeWidth returns the columns r takes: 0, 1 or 2. It returns -1 for runes
// that are not shown at all (C1 controls, which arrive here only as UTF-8
// encoded code points).
func (c *widthCache) runeWidth(r rune) int {
	if r == c.r {
		return int(c.w)
	}
	w := lookupWidth(r)
	c.r, c.w = r, int8(w)
	return w
}

// bmpWidths holds the width of every rune of the Basic Multilingual Plane,
// 2 bits each (width+1), built on first use: 16 KiB per process, one table
// lookup per rune instead of a trie walk.
var (
	bmpWidths [0x10000 / 4]byte
	bmpOnce   sync.Once
)

func buildBMP() {
	for r := rune(0); r < 0x10000; r++ {
		bmpWidths[r/4] |= byte(slowWidth(r)+1) << (2 * (r % 4))
	}
}

func lookupWidth(r rune) int {
	if r < 0x10000 {
		bmpOnce.Do(buildBMP)
		return int(bmpWidths[r/4]>>(2*(r%4))&3) - 1
	}
	return slowWidth(r)
}

func slowWidth(r rune) int {
	switch {
	case r < 0x20 || (r >= 0x7f && r < 0xa0):
		return -1
	case r < 0x7f:
		return 1
	case r == 0xad: // soft hyphen: glibc shows it
		return 1
	case r >= 0x1160 && r <= 0x11ff: // Hangul medial vowels, final consonants: they join the syllable
		return 0
	case r == 0x200b: // zero width space
		return 0
	}
	return displaywidth.Rune(r)
}
