// gen.go turns fuzz input into terminal output that reaches interesting
// states: a grammar of text, control characters and escape sequences, each
// production chosen by the next input byte. Random bytes alone rarely get
// past the parser's error paths. The grammar holds only what the reference,
// tmux 3.3a, implements (no CHT, HPR, VPR, British or other national
// character sets): a model that implements more would differ for nothing.

package reftest

import (
	"strconv"
	"strings"
)

// genReader hands out the fuzz input a byte at a time; 0 once exhausted.
type genReader struct {
	p []byte
}

func (r *genReader) byte() byte {
	if len(r.p) == 0 {
		return 0
	}
	b := r.p[0]
	r.p = r.p[1:]
	return b
}

// n returns a number in [0, max).
func (r *genReader) n(max int) int { return int(r.byte()) % max }

// num returns a parameter: mostly small, sometimes 0 or large.
func (r *genReader) num(rows int) string {
	switch b := r.byte(); {
	case b < 16:
		return ""
	case b < 24:
		return "0"
	case b < 240:
		return strconv.Itoa(1 + int(b)%(rows+2))
	default:
		return strconv.Itoa(int(b) * 7)
	}
}

// genText is the text the generator prints: ASCII, wide characters,
// combining marks, DEC line-drawing letters.
var genText = []string{"a", "Z", " ", "q", "x", "lqk", "hello", "中", "文字", "é", "e\u0301", "x\u0332",
	"👍", "ｱ", "Ω", "#", "─", "1234567890"}

// genModes are the private modes the generator sets and resets.
var genModes = []string{"1", "6", "7", "25", "47", "1047", "1049", "1000", "1002", "1003", "1006", "2004", "12"}

// Generate builds a stream from fuzz input for a terminal of cols x rows.
// Every input gives a stream; the same input gives the same stream.
func Generate(in []byte, cols, rows int) []byte {
	r := &genReader{p: in}
	var b strings.Builder
	for len(r.p) > 0 && b.Len() < 4096 {
		genOne(r, &b, cols, rows)
	}
	return []byte(b.String())
}

func genOne(r *genReader, b *strings.Builder, cols, rows int) {
	csi := func(s string) { b.WriteString("\x1b[" + s) }
	switch r.n(26) {
	case 0, 1, 2, 3, 4, 5:
		for i := r.n(4) + 1; i > 0; i-- {
			b.WriteString(genText[r.n(len(genText))])
		}
	case 6:
		b.WriteString(strings.Repeat("w", r.n(cols+2)))
	case 7:
		b.WriteString([]string{"\r", "\n", "\b", "\t", "\x0e", "\x0f", "\r\n", "\x07"}[r.n(8)])
	case 8:
		csi(r.num(rows) + ";" + r.num(cols) + []string{"H", "f"}[r.n(2)])
	case 9:
		csi(r.num(rows) + string("ABCDEFGd`"[r.n(9)]))
	case 10:
		csi(strconv.Itoa(r.n(4)) + string("JK"[r.n(2)]))
	case 11:
		final := "@PXLMSTb"[r.n(8)]
		csi(r.num(rows) + string(final))
		if final == 'L' || final == 'M' {
			// Where IL/DL leave the cursor differs between terminals (xterm:
			// the left margin; tmux: where it was); don't depend on it.
			b.WriteByte('\r')
		}
	case 12:
		csi(r.num(rows) + ";" + r.num(rows) + "r")
	case 13:
		set := "hl"[r.n(2)]
		csi("?" + genModes[r.n(len(genModes))] + string(set))
	case 14:
		csi([]string{"4h", "4l"}[r.n(2)]) // not LNM (20): tmux 3.3a ignores it
	case 15, 16:
		csi(genSGR(r) + "m")
	case 17:
		b.WriteString([]string{"\x1b7", "\x1b8", "\x1bD", "\x1bE", "\x1bM", "\x1bH", "\x1b=", "\x1b>", "\x1b#8", "\x1bc"}[r.n(10)])
	case 18:
		b.WriteString("\x1b" + string("()"[r.n(2)]) + string("0B"[r.n(2)]))
	case 19:
		csi(strconv.Itoa([]int{0, 3}[r.n(2)]) + "g")
	case 20:
		csi(r.num(8) + "Z")
	case 21:
		b.WriteString("\x1b]" + []string{"0", "2"}[r.n(2)] + ";title " + strconv.Itoa(r.n(100)) + []string{"\x07", "\x1b\\"}[r.n(2)])
	case 22:
		csi(strconv.Itoa(r.n(7)) + " q")
	case 23:
		csi("s")
		b.WriteString(genText[r.n(len(genText))])
		csi("u")
	default: // queries, and sequences a terminal may ignore
		b.WriteString([]string{"\x1b[c", "\x1b[>c", "\x1b[6n", "\x1b[5n", "\x1b[?2026h", "\x1b[?2026l",
			"\x1bP+q544e\x1b\\", "\x1b[18t", "\x1b]11;?\x07"}[r.n(9)])
	}
}

// genSGR returns SGR parameters: attributes, basic, bright, 256 and
// 24-bit colours.
func genSGR(r *genReader) string {
	var p []string
	for i := r.n(3) + 1; i > 0; i-- {
		switch r.n(8) {
		case 0:
			p = append(p, "0")
		case 1:
			p = append(p, []string{"1", "2", "3", "4", "5", "7", "8", "9", "21", "53", "4:3", "22", "23", "24", "27"}[r.n(15)])
		case 2:
			p = append(p, strconv.Itoa(30+r.n(8)))
		case 3:
			p = append(p, strconv.Itoa(40+r.n(8)))
		case 4:
			p = append(p, strconv.Itoa([]int{90, 100}[r.n(2)]+r.n(8)))
		case 5:
			p = append(p, "38;5;"+strconv.Itoa(int(r.byte())))
		case 6:
			p = append(p, "48;2;"+strconv.Itoa(int(r.byte()))+";"+strconv.Itoa(int(r.byte()))+";"+strconv.Itoa(int(r.byte())))
		default:
			p = append(p, []string{"39", "49", "58;5;9", "59"}[r.n(4)])
		}
	}
	return strings.Join(p, ";")
}
