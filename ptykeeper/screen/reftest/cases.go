// cases.go holds the synthetic differential cases: one short stream per
// feature a screen model must keep for a repaint (issue 10's list and the
// gaps of x/vt found before), each on top of some text so that a model that
// loses the screen cannot pass by accident.

package reftest

import (
	"strconv"
	"strings"
)

// Case is one synthetic stream.
type Case struct {
	Name string
	Doc  string
	Data []byte
}

// numbered returns n lines "line 1".."line n" separated by CR LF, as a
// program fills a screen.
func numbered(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			b.WriteString("\r\n")
		}
		b.WriteString("line " + strconv.Itoa(i) + " abcdefghijklmnopqrstuvwxyz")
	}
	return b.String()
}

// Cases returns the synthetic cases, for an 80x24 terminal.
func Cases() []Case {
	full := numbered(24)
	x80 := strings.Repeat("x", 80)
	raw := []struct{ name, doc, data string }{
		// insert mode
		{"irm", "IRM inserts: XY pushes abcdef right", "abcdef\r\x1b[4hXY\x1b[4l"},
		{"irm-left-on", "insert mode left on: the mode and its effect on the next character", "abcdef\r\x1b[4hXY"},
		{"irm-wide", "inserting a wide character", "abcdef\r\x1b[4h中\x1b[4l"},
		{"irm-at-margin", "insert pushes characters off the right margin", x80 + "\x1b[1;10H\x1b[4hINS\x1b[4l"},
		// cursor positioning and origin mode
		{"origin-cup", "CUP relative to the region in origin mode", full + "\x1b[5;10r\x1b[?6h\x1b[2;3HA"},
		{"origin-hvp", "HVP (the f form) relative to the region in origin mode", full + "\x1b[5;10r\x1b[?6h\x1b[3;4fB"},
		{"origin-clamp", "origin mode keeps the cursor inside the region", full + "\x1b[5;10r\x1b[?6h\x1b[20;1HC"},
		{"origin-off-home", "leaving origin mode homes the cursor", full + "\x1b[5;10r\x1b[?6h\x1b[2;2H\x1b[?6lD"},
		{"hpa-vpa-cnl-cpl", "column and row absolute, next and previous line", full + "\x1b[10G1\x1b[5d2\x1b[2E3\x1b[3F4"},
		{"cursor-moves", "CUU CUD CUF CUB at the edges", "\x1b[5;5H\x1b[10Aa\x1b[30Bb\x1b[100Cc\x1b[200Dd"},
		// characters
		{"combining", "combining marks after ASCII letters", "e\u0301 a\u0300 o\u0308 x\u0332y\u0332 n\u0303"},
		{"combining-wide", "a combining mark after a wide character", "中\u0301 文"},
		{"emoji", "emoji with modifier, ZWJ sequence, flag, variation selector", "a👍🏽b 👩\u200d💻 🇯🇵 ❤\ufe0f end"},
		{"wide-margin", "a wide character that does not fit at the right margin wraps", "\x1b[1;80H中"},
		{"wide-margin-nowrap", "a wide character at the margin with autowrap off", "\x1b[?7l\x1b[1;80H中\x1b[?7h"},
		{"wide-overwrite", "overwriting the left half of a wide character, and the right half with another one", "中文字\x1b[1;5Hy\x1b[1;2H字"},
		{"wide-row", "a row of wide characters wrapping", strings.Repeat("字", 45)},
		{"rep", "REP repeats the last character", "ab\x1b[5bc"},
		// screen alignment, editing
		{"decaln", "DECALN fills the screen with E", "\x1b#8"},
		{"decaln-region", "DECALN with a region and the cursor moved", "\x1b[3;20r\x1b[5;5H\x1b#8\x1b[10;10Hx"},
		{"il-region", "insert lines inside a region below row 1", full + "\x1b[5;15r\x1b[8;6H\x1b[2L\rX"},
		{"dl-region", "delete lines inside a region below row 1", full + "\x1b[5;15r\x1b[8;6H\x1b[3M\rX"},
		{"ich-dch-ech", "insert, delete and erase characters", "abcdefghij\x1b[1;3H\x1b[2@\x1b[1;6H\x1b[3P\x1b[1;2H\x1b[2X"},
		{"ed-el", "erase in display and line, each mode", full + "\x1b[5;10H\x1b[1K\x1b[6;10H\x1b[0K\x1b[7;10H\x1b[2K\x1b[20;5H\x1b[0J\x1b[3;5H\x1b[1J"},
		{"ed2", "a full clear", full + "\x1b[2J\x1b[Hafter"},
		{"bce", "erasing with a background colour", full + "\x1b[44m\x1b[3;3H\x1b[K\x1b[10;1H\x1b[J\x1b[0mx\x1b[46m\x1b[1;5H\x1b[3X\x1b[0m"},
		{"su-sd", "scroll up and down", full + "\x1b[3S\x1b[2T"},
		// scroll regions
		{"region", "a region left set", full + "\x1b[3;10r"},
		{"region-scroll", "scrolling inside a region", full + "\x1b[3;10r\x1b[10;1H\r\nA\r\nB\r\nC"},
		{"region-ri", "reverse index at the top of a region", full + "\x1b[5;10r\x1b[5;1H\x1bM\x1bMZ"},
		{"region-below", "line feeds below the region at the bottom row", full + "\x1b[5;10r\x1b[24;1H\nbottom"},
		// pending wrap and autowrap
		{"wrap-pending", "the cursor waits at the margin: the next character wraps", x80},
		{"wrap-pending-bottom", "pending wrap on the last row: the next character scrolls", "\x1b[24;1H" + x80},
		{"wrap-pending-region", "pending wrap on the last row of a region", full + "\x1b[5;10r\x1b[10;1H" + x80},
		{"wrap-off", "autowrap off: characters pile up in the last column", "\x1b[?7l" + x80 + "yz"},
		{"wrap-pending-cr", "CR clears a pending wrap", x80 + "\rA"},
		// tab stops
		{"tabs", "default tab stops", "a\tb\tc\td"},
		{"tabs-set", "tab stops cleared and set", "\x1b[3g\x1b[1;5H\x1bH\x1b[1;20H\x1bH\x1b[1;61H\x1bH\x1b[2;1H\ta\tb\tc\td"},
		{"tabs-clear-one", "one tab stop cleared", "\x1b[1;17H\x1b[0g\r\ta\tb"},
		{"tabs-cbt", "backward tabulation (tmux 3.3a has no CHT)", "\x1b[1;30H\x1b[2Zb\x1b[Zc"},
		// character sets
		{"dec-graphics", "DEC line drawing in G0", "\x1b(0lqqk\r\nx  x\r\nmqqj\x1b(B done"},
		{"dec-graphics-left-on", "G0 left in DEC line drawing", "text \x1b(0lqk"},
		{"so-si", "G1 as DEC line drawing, shifted in and out", "\x1b)0a\x0eqqq\x0fb"},
		{"so-left-on", "shifted out to G1 and left there", "\x1b)0a\x0eqq"},
		{"g1-designated", "G1 designated but not in use", "\x1b)0plain"},
		// saved cursor
		{"decsc", "DECSC saves position and pen", "\x1b[5;10H\x1b[1;31m\x1b7\x1b[0m\x1b[20;1Hhello"},
		{"decsc-charset", "DECSC saves the character sets", "\x1b(0\x1b7\x1b(Bplain"},
		{"decsc-origin", "DECSC saves origin mode", full + "\x1b[5;10r\x1b[?6h\x1b7\x1b[?6l\x1b[20;1Hz"},
		{"decsc-wrap-pending", "DECSC at a pending wrap", x80 + "\x1b7\x1b[5;5H"},
		// both screens
		{"alt-screen", "text on both screens", full + "\x1b[?1049h\x1b[H\x1b[2Jalt text\x1b[3;4H"},
		{"alt-screen-cursor", "the main screen's cursor comes back on leaving", "main\x1b[10;20H\x1b[?1049h\x1b[2;2Halt"},
		{"alt-screen-47", "mode 47: alternate screen without clear or cursor save", "main text\x1b[?47halt"},
		{"alt-screen-1047", "mode 1047", "main text\x1b[?1047halt"},
		{"alt-screen-left", "back on the main screen", "main\r\n\x1b[?1049halt\x1b[?1049lback"},
		{"alt-screen-modes", "modes set on the alternate screen", "main\x1b[?1049h\x1b[?1h\x1b=\x1b[?25l\x1b[3;10rvim"},
		// modes, title, cursor
		{"cursor-hidden", "cursor hidden", "text\x1b[?25l"},
		{"modes", "cursor keys, keypad, mouse, autowrap off", "\x1b[?1h\x1b=\x1b[?1000h\x1b[?1002h\x1b[?1006h\x1b[?7l"},
		{"mouse-all", "mouse motion tracking", "\x1b[?1003h"},
		{"title", "window title", "\x1b]2;my title\x07text"},
		{"title-st", "title by OSC 0 ended with ST", "\x1b]0;other title\x1b\\text"},
		// attributes
		{"sgr", "every attribute", "\x1b[1mbold\x1b[0m \x1b[2mdim\x1b[0m \x1b[3mitalic\x1b[0m \x1b[4munder\x1b[0m \x1b[5mblink\x1b[0m \x1b[7mrev\x1b[0m \x1b[8mhid\x1b[0m \x1b[9mstrike\x1b[0m \x1b[21mdbl\x1b[0m \x1b[53mover\x1b[0m \x1b[4:3mcurly\x1b[0m"},
		{"sgr-colours", "basic, bright, 256 and 24-bit colours", "\x1b[31ma\x1b[42mb\x1b[91mc\x1b[102md\x1b[38;5;200me\x1b[48;5;17mf\x1b[38;2;10;20;30mg\x1b[48;2;200;100;50mh\x1b[0m"},
		{"sgr-underline-colour", "underline colour", "\x1b[4;58;5;196mred line\x1b[0m \x1b[4;58;2;0;255;0mgreen\x1b[0m"},
		{"sgr-bold-basic", "bold with a basic colour and the same as a 256 colour", "\x1b[1;31mA\x1b[0m\x1b[1;38;5;1mB\x1b[0m"},
		{"sgr-pen-left", "the pen left set", "plain \x1b[1;4;35;46m"},
		{"sgr-reverse-blank", "reverse video on blanks", "\x1b[7m    \x1b[0m|"},
		// control characters
		{"bs-cr-lf", "backspace, CR, LF, reverse index at the top", "abc\bX\r\nline2\x1b[Afoo\x1b[H\x1bMtop"},
		{"ris", "a full reset after text", full + "\x1b[5;10r\x1b[?6h\x1b[4h\x1bcafter reset"},
	}
	cs := make([]Case, len(raw))
	for i, r := range raw {
		cs[i] = Case{Name: r.name, Doc: r.doc, Data: []byte(r.data)}
	}
	return cs
}
