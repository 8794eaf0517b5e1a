// ground.go finds where a byte stream can be cut: the offsets at which a
// terminal's parser (DEC/ECMA-48 state machine plus UTF-8 decoding) is in
// its ground state, and picks cut points among them.

package reftest

import (
	"hash/fnv"
	"math/rand/v2"
	"sort"
	"strconv"
)

// parser states, collapsed to what decides "ground or not". They follow
// tmux's input.c, the reference terminal's parser.
const (
	stGround = iota
	stEscape // after ESC, with or without intermediates
	stCSI    // CSI parameters and intermediates
	stString // OSC, SOS, PM, APC, tmux's ESC k: ended by ESC (and BEL)
	stDCS    // DCS: only ESC \ ends it; CAN, SUB and other escapes are data
	stDCSEsc // ESC inside DCS
)

// GroundOffsets returns every offset i (0 < i <= len(p)) at which a
// terminal that received p[:i] has its parser in the ground state: no
// escape sequence, control string or UTF-8 character half received. A model
// stopped there holds no parser state a repaint could not express.
func GroundOffsets(p []byte) []int {
	var out []int
	st, utf := stGround, 0 // utf: continuation bytes still expected
	for i, b := range p {
		st, utf = step(st, utf, b)
		if st == stGround && utf == 0 {
			out = append(out, i+1)
		}
	}
	return out
}

// step advances the collapsed parser by one byte.
func step(st, utf int, b byte) (int, int) {
	switch st {
	case stDCS:
		if b == 0x1b {
			return stDCSEsc, 0
		}
		return stDCS, 0
	case stDCSEsc:
		if b == '\\' {
			return stGround, 0
		}
		return stDCS, 0
	}
	switch {
	case b == 0x18 || b == 0x1a: // CAN, SUB abort any sequence
		return stGround, 0
	case b == 0x1b:
		return stEscape, 0
	}
	switch st {
	case stEscape:
		switch {
		case b == '[':
			return stCSI, 0
		case b == 'P':
			return stDCS, 0
		case b == ']' || b == 'X' || b == '^' || b == '_' || b == 'k':
			return stString, 0
		case b >= 0x20 && b <= 0x2f: // intermediate
			return stEscape, 0
		case b >= 0x30 && b <= 0x7e: // final
			return stGround, 0
		}
		return stEscape, 0 // C0 controls execute inside sequences
	case stCSI:
		if b >= 0x40 && b <= 0x7e {
			return stGround, 0
		}
		return stCSI, 0
	case stString:
		if b == 0x07 { // BEL ends OSC (xterm); ESC \ is handled above
			return stGround, 0
		}
		return stString, 0
	}
	// ground: track UTF-8 so a cut never splits a character
	switch {
	case utf > 0 && b&0xc0 == 0x80:
		return stGround, utf - 1
	case b >= 0xc2 && b <= 0xdf:
		return stGround, 1
	case b >= 0xe0 && b <= 0xef:
		return stGround, 2
	case b >= 0xf0 && b <= 0xf4:
		return stGround, 3
	}
	return stGround, 0
}

// InGround reports whether a terminal that received p is in its ground
// state (see GroundOffsets).
func InGround(p []byte) bool {
	st, utf := stGround, 0
	for _, b := range p {
		st, utf = step(st, utf, b)
	}
	return st == stGround && utf == 0
}

// A Cut is a prefix of a stream to check: the terminal has received
// stream[:Offset]. Ground cuts get every check; a cut inside a sequence
// gets only the screen comparison, since nothing can be appended to a
// half-received sequence meaningfully.
type Cut struct {
	Label  string
	Offset int
	Ground bool
}

// PickCuts returns the cuts to check in stream: the labelled ones given
// (from a .cuts file), n pseudo-random ground offsets (half of them just
// before an ESC, half anywhere), arbitrary offsets (possibly inside a
// sequence), and the end of the stream. The choice depends only on name and
// the stream, so a failure can be re-run.
func PickCuts(name string, stream []byte, labelled []Cut, n, arbitrary int) []Cut {
	h := fnv.New64a()
	h.Write([]byte(name))
	rng := rand.New(rand.NewPCG(h.Sum64(), uint64(len(stream))))
	ground := GroundOffsets(stream)
	var atESC []int
	for _, o := range ground {
		if o < len(stream) && stream[o] == 0x1b {
			atESC = append(atESC, o)
		}
	}
	cuts := append([]Cut(nil), labelled...)
	seen := map[int]bool{}
	for _, c := range cuts {
		seen[c.Offset] = true
	}
	add := func(label string, o int, ground bool) {
		if !seen[o] {
			seen[o] = true
			cuts = append(cuts, Cut{Label: label, Offset: o, Ground: ground})
		}
	}
	add("end", len(stream), InGround(stream))
	for i := 0; i < n && len(ground) > 0; i++ {
		from := ground
		if i%2 == 0 && len(atESC) > 0 {
			from = atESC
		}
		o := from[rng.IntN(len(from))]
		add("at-"+strconv.Itoa(o), o, true)
	}
	for i := 0; i < arbitrary && len(stream) > 1; i++ {
		o := 1 + rng.IntN(len(stream)-1)
		add("at-"+strconv.Itoa(o), o, InGround(stream[:o]))
	}
	sort.SliceStable(cuts, func(i, j int) bool { return cuts[i].Offset < cuts[j].Offset })
	return cuts
}
