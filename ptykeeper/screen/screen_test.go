package screen

import (
	"strings"
	"testing"
)

// A table of inputs and the screen, cursor and pending wrap they leave.
func TestScreenContents(t *testing.T) {
	tests := []struct {
		name       string
		cols, rows int
		in         string
		want       string // the screen as text
		x, y       int
		pending    bool
	}{
		{"plain", 10, 3, "hello", "hello", 5, 0, false},
		{"wrap", 10, 3, "hello world foo", "hello worl\nd foo", 5, 1, false},
		{"last column leaves the wrap pending", 5, 2, "abcde", "abcde", 4, 0, true},
		{"pending wrap then CR LF", 5, 3, "abcde\r\nx", "abcde\nx", 1, 1, false},
		{"pending wrap survives LF (tmux)", 5, 3, "abcde\nx", "abcde\n\nx", 1, 2, false},
		{"scroll at the bottom", 5, 2, "a\r\nb\r\nc", "b\nc", 1, 1, false},
		{"CUP", 10, 5, "\x1b[3;4Hx", "\n\n   x", 4, 2, false},
		{"HVP is CUP", 10, 5, "\x1b[3;4fx", "\n\n   x", 4, 2, false},
		{"CUP clamps", 10, 5, "\x1b[99;99Hx", "\n\n\n\n         x", 9, 4, true},
		{"origin mode CUP", 10, 6, "\x1b[2;4r\x1b[?6h\x1b[1;1Hx\x1b[9;2Hy", "\nx\n\n y", 2, 3, false},
		{"origin mode HVP", 10, 6, "\x1b[2;4r\x1b[?6h\x1b[2;3fz", "\n\n  z", 3, 2, false},
		{"insert mode", 10, 2, "abcdef\r\x1b[4hXY", "XYabcdef", 2, 0, false},
		{"insert mode pushes off the end", 5, 2, "abcde\r\x1b[4hX", "Xabcd", 1, 0, false},
		{"replace mode again", 10, 2, "abcdef\r\x1b[4h\x1b[4lXY", "XYcdef", 2, 0, false},
		{"DECALN", 3, 2, "ab\x1b[2;2r\x1b#8", "EEE\nEEE", 0, 0, false},
		{"IL inside a region below row 1", 5, 6, "1\r\n2\r\n3\r\n4\r\n5\r\n6\x1b[2;4r\x1b[3;3H\x1b[L", "1\n2\n\n3\n5\n6", 0, 2, false},
		{"DL inside a region below row 1", 5, 6, "1\r\n2\r\n3\r\n4\r\n5\r\n6\x1b[2;4r\x1b[3;3H\x1b[M", "1\n2\n4\n\n5\n6", 0, 2, false},
		{"IL 9 clears to the region's end", 5, 5, "1\r\n2\r\n3\r\n4\r\n5\x1b[2;4r\x1b[2;1H\x1b[9L", "1\n\n\n\n5", 0, 1, false},
		{"IL outside the region (tmux)", 5, 5, "1\r\n2\r\n3\r\n4\r\n5\x1b[1;2r\x1b[4;1H\x1b[L", "1\n2\n3\n\n4", 0, 3, false},
		{"region bottom past the last row + IL", 5, 3, "a\r\nb\r\nc\x1b[0;30r\x1b[L", "\na\nb", 0, 0, false},
		{"wide character wraps at the margin", 5, 2, "abcd漢", "abcd\n漢", 2, 1, false},
		{"wide character fills the line", 4, 2, "ab漢", "ab漢", 3, 0, true},
		{"wide character without autowrap is dropped", 5, 2, "\x1b[?7labcd漢", "abcd", 4, 0, false},
		{"overwrite half a wide character", 5, 2, "漢字\x1b[1;2Hx", " x字", 2, 0, false},
		{"combining mark after ASCII", 5, 2, "e\u0301x", "e\u0301x", 2, 0, false},
		{"combining mark with the wrap pending", 3, 2, "abc\u0301", "abc\u0301", 2, 0, true},
		{"combining mark at column 0 is dropped", 5, 2, "\u0301x", "x", 1, 0, false},
		{"ZWJ sequence in one cell", 5, 2, "👨\u200d👩x", "👨\u200d👩x", 3, 0, false},
		{"ED 2 keeps the cursor, no scroll", 5, 3, "a\r\nb\r\nc\x1b[2Jx", "\n\n x", 2, 2, false},
		{"ED 0", 5, 3, "aaaaa\r\nbbbbb\r\nccccc\x1b[2;3H\x1b[J", "aaaaa\nbb", 2, 1, false},
		{"ED 1", 5, 3, "aaaaa\r\nbbbbb\r\nccccc\x1b[2;3H\x1b[1J", "\n   bb\nccccc", 2, 1, false},
		{"EL 0", 5, 1, "abcde\x1b[3G\x1b[K", "ab", 2, 0, false},
		{"EL 1", 5, 1, "abcde\x1b[3G\x1b[1K", "   de", 2, 0, false},
		{"EL 2", 5, 1, "abcde\x1b[3G\x1b[2K", "", 2, 0, false},
		{"EL 0 with the wrap pending erases nothing (tmux)", 5, 1, "abcde\x1b[K", "abcde", 4, 0, true},
		{"ECH", 6, 1, "abcdef\x1b[2G\x1b[2X", "a  def", 1, 0, false},
		{"ICH", 6, 1, "abcdef\x1b[2G\x1b[2@", "a  bcd", 1, 0, false},
		{"DCH", 6, 1, "abcdef\x1b[2G\x1b[2P", "adef", 1, 0, false},
		{"SU", 3, 3, "a\r\nb\r\nc\x1b[S", "b\nc", 1, 2, false},
		{"SD", 3, 3, "a\r\nb\r\nc\x1b[2T", "\n\na", 1, 2, false},
		{"SU in a region", 3, 4, "a\r\nb\r\nc\r\nd\x1b[2;3r\x1b[S", "a\nc\n\nd", 0, 0, false},
		{"CUU stops at the region top", 5, 5, "\x1b[2;4r\x1b[4;1H\x1b[9Ax", "\nx", 1, 1, false},
		{"CUD stops at the region bottom", 5, 5, "\x1b[2;4r\x1b[2;1H\x1b[9Bx", "\n\n\nx", 1, 3, false},
		{"CUD below the region goes to the last row", 5, 5, "\x1b[1;2r\x1b[3;1H\x1b[9Bx", "\n\n\n\nx", 1, 4, false},
		{"CUF CUB", 5, 1, "\x1b[9Cx\x1b[9Dy", "y   x", 1, 0, false},
		{"CNL CPL", 5, 3, "ab\x1b[2Ec\x1b[Fd", "ab\nd\nc", 1, 1, false},
		{"CHA HPA VPA", 5, 3, "\x1b[3Ga\x1b[1`b\x1b[3dc", "b a\n\n c", 2, 2, false},
		{"HPR VPR", 5, 3, "\x1b[2a\x1b[1ex", "\n  x", 3, 1, false},
		{"IND NEL RI", 5, 3, "a\x1bDb\x1bEc\x1bM\x1bMd", "ad\n b\nc", 2, 0, false},
		{"RI at the top scrolls down", 3, 2, "a\x1bMb", " b\na", 2, 0, false},
		{"BS", 5, 1, "abc\b\bx", "axc", 2, 0, false},
		{"BS from column 0 of a continued row", 3, 2, "abcd\r\b\bx", "axc\nd", 2, 0, false},
		{"HT default stops", 20, 1, "a\tb\tc", "a       b       c", 17, 0, false},
		{"HT stops at the last column", 10, 1, "a\t\t\tb", "a        b", 9, 0, true},
		{"HTS TBC", 20, 1, "\x1b[3g\x1b[4G\x1bH\rx\ty\tz", "x  y               z", 19, 0, true},
		{"TBC 0", 20, 1, "\x1b[9G\x1b[g\rx\ty", "x               y", 17, 0, false},
		{"CHT CBT", 30, 1, "\x1b[2Ix\x1b[Zy", "                y", 17, 0, false},
		{"VT and FF are LF", 3, 3, "a\vb\fc", "a\n b\n  c", 3 - 1, 2, true},
		{"LNM", 5, 3, "\x1b[20ha\nb", "a\nb", 1, 1, false},
		{"DEC special graphics", 5, 1, "\x1b(0lqk\x1b(Bq", "┌─┐q", 4, 0, false},
		{"G1 with SO and SI", 5, 1, "\x1b)0a\x0eqx\x0fq", "a─│q", 4, 0, false},
		{"UK set is ignored (tmux)", 3, 1, "\x1b(A#", "#", 1, 0, false},
		{"REP", 8, 1, "ab\x1b[3b", "abbbb", 5, 0, false},
		{"REP of line drawing", 8, 1, "\x1b(0q\x1b[2b", "───", 3, 0, false},
		{"REP stops at the line end", 4, 2, "ab\x1b[9b", "abbb", 3, 0, true},
		{"REP needs a character just before", 8, 1, "a\r\x1b[3b", "a", 0, 0, false},
		{"DECSC DECRC", 10, 3, "\x1b[2;3H\x1b7\x1b[1;1Hx\x1b8y", "x\n  y", 3, 1, false},
		{"DECRC with nothing saved goes home", 10, 3, "\x1b[2;3H\x1b8y", "y", 1, 0, false},
		{"SCOSC SCORC", 10, 3, "\x1b[2;3H\x1b[s\x1b[1;1Hx\x1b[uy", "x\n  y", 3, 1, false},
		{"DECRC after a pending wrap goes to the last column (tmux)", 3, 3, "abc\x1b7\x1b[3;1H\x1b8d", "abd", 2, 0, true},
		{"invalid UTF-8", 10, 1, "a\xffb\xe4\xb8c\xc3", "a\ufffdb\ufffdc", 5, 0, false},
		{"C1 bytes are not controls", 10, 1, "a\x9bb", "a\ufffdb", 3, 0, false},
		{"encoded C1 code points show nothing", 10, 1, "a\u0085b", "ab", 2, 0, false},
		{"CAN aborts a sequence", 10, 1, "\x1b[3\x18x", "x", 1, 0, false},
		{"DEL is ignored", 10, 1, "a\x7fb", "ab", 2, 0, false},
		{"unknown sequences are ignored", 10, 1, "a\x1b[?999;1$z\x1bP1$qm\x1b\\\x1b^x\x1b\\\x1b_y\x1b\\b", "ab", 2, 0, false},
		{"RIS", 10, 2, "\x1b[31mabc\x1b[2;3r\x1bcx", "x", 1, 0, false},
		{"1x1", 1, 1, "abc\r\nd", "d", 0, 0, true},
		{"wide on 1 column wraps, then cannot print", 1, 1, "d漢", "", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newWith(t, tt.cols, tt.rows, tt.in)
			if got := text(s); got != tt.want {
				t.Errorf("screen\n%q, want\n%q", got, tt.want)
			}
			x, y := s.Cursor()
			if x != tt.x || y != tt.y || s.WrapPending() != tt.pending {
				t.Errorf("cursor (%d,%d) pending %v, want (%d,%d) pending %v", x, y, s.WrapPending(), tt.x, tt.y, tt.pending)
			}
			roundTrip(t, s)
		})
	}
}

func TestAttributes(t *testing.T) {
	tests := []struct {
		in   string
		want CellInfo
	}{
		{"\x1b[1;2;3;5;7;8;9;53mx", CellInfo{Attrs: Bold | Dim | Italic | Blink | Reverse | Invisible | Strike | Overline}},
		{"\x1b[1;2;22mx", CellInfo{}},
		{"\x1b[4mx", CellInfo{Attrs: Attr(UnderlineSingle) << underlineShift}},
		{"\x1b[21mx", CellInfo{Attrs: Attr(UnderlineDouble) << underlineShift}},
		{"\x1b[4:3mx", CellInfo{Attrs: Attr(UnderlineCurly) << underlineShift}},
		{"\x1b[4:3;4:0mx", CellInfo{}},
		{"\x1b[4:5;24mx", CellInfo{}},
		{"\x1b[31;42mx", CellInfo{Fg: BasicColor(1), Bg: BasicColor(2)}},
		{"\x1b[91;102mx", CellInfo{Fg: BasicColor(9), Bg: BasicColor(10)}},
		{"\x1b[38;5;123;48;5;7mx", CellInfo{Fg: IndexedColor(123), Bg: IndexedColor(7)}},
		{"\x1b[38:5:123mx", CellInfo{Fg: IndexedColor(123)}},
		{"\x1b[38;2;1;2;3;48;2;4;5;6mx", CellInfo{Fg: RGBColor(1, 2, 3), Bg: RGBColor(4, 5, 6)}},
		{"\x1b[38:2:1:2:3mx", CellInfo{Fg: RGBColor(1, 2, 3)}},
		{"\x1b[38:2::1:2:3mx", CellInfo{Fg: RGBColor(1, 2, 3)}},
		{"\x1b[38;2;1;2;300mx", CellInfo{Attrs: Bold | Dim}}, // invalid RGB: 1;2;300 read as plain SGR (tmux)
		{"\x1b[31;38;5;999mx", CellInfo{}},                   // invalid index resets the colour (tmux)
		{"\x1b[58;5;9mx", CellInfo{UnderlineColor: IndexedColor(9)}},
		{"\x1b[58:2::9:8:7mx", CellInfo{UnderlineColor: RGBColor(9, 8, 7)}},
		{"\x1b[58;5;9;59mx", CellInfo{}},
		{"\x1b[31;39;41;49mx", CellInfo{}},
		{"\x1b[1;31m\x1b[mx", CellInfo{}},
		{"\x1b[7;27;8;28;9;29;53;55;5;25;3;23mx", CellInfo{}},
	}
	for _, tt := range tests {
		s := newWith(t, 5, 1, tt.in)
		tt.want.Text, tt.want.Width = "x", 1
		if got := s.CellAt(0, 0); got != tt.want {
			t.Errorf("%q: cell %+v, want %+v", tt.in, got, tt.want)
		}
		roundTrip(t, s)
	}
}

func TestEraseKeepsBackground(t *testing.T) {
	s := newWith(t, 5, 2, "\x1b[44mab\x1b[K\x1b[1;1H\x1b[41;1m\x1b[X")
	for x, want := range []Color{BasicColor(1), BasicColor(4), BasicColor(4), BasicColor(4), BasicColor(4)} {
		if c := s.CellAt(x, 0); c.Bg != want || c.Attrs != 0 {
			t.Errorf("cell %d: %+v, want background %v and no attributes", x, c, want)
		}
	}
	rp := roundTrip(t, s)
	if !strings.Contains(string(rp), "\x1b[K") {
		t.Errorf("trailing blue blanks were not erased with EL: %q", rp)
	}
}

func TestAlternateScreen(t *testing.T) {
	s := newWith(t, 10, 3, "shell$ \x1b[31m")
	s.Write([]byte("\x1b[?1049h"))
	if !s.AltScreen() || text(s) != "" {
		t.Fatalf("1049h: alt %v, screen %q", s.AltScreen(), text(s))
	}
	s.Write([]byte("\x1b[0m\x1b[2;2Hvim"))
	if text(s) != "\n vim" || rowText(s.main, 0) != "shell$" {
		t.Fatalf("alt %q, main row %q", text(s), rowText(s.main, 0))
	}
	roundTrip(t, s)
	s.Write([]byte("\x1b[?1049l"))
	x, y := s.Cursor()
	if s.AltScreen() || s.alt != nil || text(s) != "shell$" || x != 7 || y != 0 || s.pen.fg != BasicColor(1) {
		t.Fatalf("after 1049l: alt %v, %q, cursor (%d,%d), pen %+v", s.AltScreen(), text(s), x, y, s.pen)
	}
	// 1047 and 47 switch without saving the cursor; the alternate screen
	// always comes back empty.
	for _, mode := range []string{"1047", "47"} {
		s.Write([]byte("\x1b[1;8H\x1b[?" + mode + "hx\x1b[2;1H"))
		if text(s) != "       x" {
			t.Fatalf("%s: %q", mode, text(s))
		}
		s.Write([]byte("\x1b[?" + mode + "l"))
		if x, y := s.Cursor(); text(s) != "shell$" || x != 0 || y != 1 {
			t.Fatalf("%s off: %q (%d,%d)", mode, text(s), x, y)
		}
	}
}

// As in tmux, DECSC has one slot for both screens, and the 1049 switch
// saves the cursor and pen apart from it.
func TestSavedCursors(t *testing.T) {
	s := newWith(t, 10, 4, "\x1b[2;2H\x1b[1m\x1b(0\x1b7\x1b[?1049h\x1b[3;3H\x1b[4m\x1b(B\x1b[H\x1b8")
	if x, y := s.Cursor(); x != 1 || y != 1 || s.pen.attr != Bold || s.cs.g[0] != '0' {
		t.Fatalf("alt DECRC: (%d,%d) %+v %+v", x, y, s.pen, s.cs)
	}
	s.Write([]byte("\x1b[4;4H\x1b[0;7m\x1b7"))
	roundTrip(t, s)
	s.Write([]byte("\x1b[?1049l"))
	if x, y := s.Cursor(); x != 1 || y != 1 || s.pen.attr != Bold {
		t.Fatalf("after 1049l: (%d,%d) %+v", x, y, s.pen)
	}
	roundTrip(t, s) // the 1049 slot stays valid
	s.Write([]byte("\x1b[H\x1b8"))
	if x, y := s.Cursor(); x != 3 || y != 3 || s.pen.attr != Reverse {
		t.Fatalf("main DECRC: (%d,%d) %+v", x, y, s.pen)
	}
}

func TestOriginModeSavedAndRestored(t *testing.T) {
	s := newWith(t, 10, 6, "\x1b[3;5r\x1b[?6h\x1b[2;2H\x1b7\x1b[?6l\x1b[1;1H\x1b8x")
	if x, y := s.Cursor(); x != 2 || y != 3 || !s.DECMode(6) {
		t.Fatalf("cursor (%d,%d) origin %v, want (2,3) on", x, y, s.DECMode(6))
	}
	s.Write([]byte("\x1b[6n"))
	if got := string(s.AppendReplies(nil)); got != "\x1b[2;3R" {
		t.Fatalf("CPR in origin mode %q", got)
	}
	roundTrip(t, s)
}

func TestModes(t *testing.T) {
	s := New(10, 3)
	on := "\x1b[?1;5;12;45;1004;1007;2004h\x1b[4;20h\x1b=\x1b[?1002h\x1b[?1006h\x1b[>4;2m\x1b[5 q\x1b[?25l"
	s.Write([]byte(on))
	for _, n := range []int{1, 5, 12, 45, 66, 1004, 1007, 2004, 1002, 1006} {
		if !s.DECMode(n) {
			t.Errorf("mode ?%d not set", n)
		}
	}
	if !s.ANSIMode(4) || !s.ANSIMode(20) || s.CursorVisible() || s.CursorStyle() != 5 || s.modes.modifyOtherKeys != 2 {
		t.Errorf("IRM %v LNM %v visible %v style %d modifyOtherKeys %d", s.ANSIMode(4), s.ANSIMode(20), s.CursorVisible(), s.CursorStyle(), s.modes.modifyOtherKeys)
	}
	roundTrip(t, s)
	// The last mouse mode set wins; resetting any tracking mode stops tracking.
	s.Write([]byte("\x1b[?1000h\x1b[?1003h"))
	if s.DECMode(1000) || !s.DECMode(1003) {
		t.Errorf("1003 after 1000: 1000 %v 1003 %v", s.DECMode(1000), s.DECMode(1003))
	}
	rp := roundTrip(t, s)
	if strings.Contains(string(rp), "2026") || strings.Contains(string(rp), "2048") {
		t.Errorf("repaint replays 2026 or 2048: %q", rp)
	}
	s.Write([]byte("\x1b[?1000l"))
	if s.DECMode(1003) {
		t.Error("1000l left 1003 on")
	}
	s.Write([]byte("\x1b[!p"))
	if !s.CursorVisible() || s.ANSIMode(4) || s.DECMode(1) || s.DECMode(66) {
		t.Errorf("DECSTR left visible %v IRM %v DECCKM %v keypad %v", s.CursorVisible(), s.ANSIMode(4), s.DECMode(1), s.DECMode(66))
	}
	roundTrip(t, s)
}

func TestTitle(t *testing.T) {
	s := newWith(t, 10, 2, "\x1b]0;one\x07\x1b[22;0t\x1b]2;two\x1b\\")
	if s.Title() != "two" {
		t.Fatalf("title %q", s.Title())
	}
	roundTrip(t, s)
	s.Write([]byte("\x1b[23;0t"))
	if s.Title() != "one" {
		t.Fatalf("popped title %q", s.Title())
	}
	s.Write([]byte("\x1b]2;" + strings.Repeat("é", maxTitle) + "\x07"))
	if len(s.title) > maxTitle || !strings.HasPrefix(s.Title(), "éé") || strings.ContainsRune(s.Title(), '\ufffd') {
		t.Fatalf("long title kept %d bytes", len(s.title))
	}
	// Colour queries, clipboard and other OSCs change nothing and are never answered.
	s.Write([]byte("\x1b]11;?\x07\x1b]10;?\x1b\\\x1b]4;1;?\x07\x1b]52;c;" + strings.Repeat("A", 100<<10) + "\x07"))
	if r := s.AppendReplies(nil); len(r) != 0 || cap(s.osc.buf) > oscKeepCap {
		t.Fatalf("replies %q, OSC buffer %d", r, cap(s.osc.buf))
	}
}

func TestHyperlinks(t *testing.T) {
	s := newWith(t, 20, 2, "a\x1b]8;id=1;http://x/\x1b\\link\x1b[0m\x1b]8;;\x1b\\b")
	for x, want := range []string{"", "id=1;http://x/", "id=1;http://x/", "id=1;http://x/", "id=1;http://x/", ""} {
		if got := s.CellAt(x, 0).Link; got != want {
			t.Errorf("cell %d link %q, want %q", x, got, want)
		}
	}
	if r := s.g.row(0); len(r.side.ext) != 1 {
		t.Errorf("a link over 4 cells takes %d side entries, want 1", len(r.side.ext))
	}
	roundTrip(t, s)
}

func TestQueries(t *testing.T) {
	s := newWith(t, 10, 5, "\x1b[c\x1b[0c\x1b[>c\x1b[5n\x1b[3;4H\x1b[6n\x1b[?2004h\x1b[?2004$p\x1b[?1049$p\x1b[4$p\x1b[?9999$p\x1b[>q\x1b[18t")
	want := "\x1b[?62;1;6;22c\x1b[?62;1;6;22c\x1b[>1;10;0c\x1b[0n\x1b[3;4R\x1b[?2004;1$y\x1b[?1049;2$y\x1b[4;2$y\x1b[?9999;0$y\x1bP>|ptykeeper\x1b\\\x1b[8;5;10t"
	if got := string(s.AppendReplies(nil)); got != want {
		t.Fatalf("replies\n%q, want\n%q", got, want)
	}
	if s.QueriesSeen() != 2 {
		t.Fatalf("QueriesSeen %d, want 2", s.QueriesSeen())
	}
	if got := s.AppendReplies(nil); len(got) != 0 {
		t.Fatalf("replies not cleared: %q", got)
	}
	for i := 0; i < 10000; i++ {
		s.Write([]byte("\x1b[c"))
	}
	if n := len(s.AppendReplies(nil)); n > maxReplies {
		t.Fatalf("reply buffer grew to %d", n)
	}
}

func TestSplitWrites(t *testing.T) {
	in := "\x1b[1;31mA\x1b]2;tit\u00e9\x07漢\x1b[2;3Hé\x1b(0q\x1b[?1049h\x1b[38:2::1:2:3mZ"
	whole := newWith(t, 10, 3, in)
	for cut := 1; cut < len(in); cut++ {
		s := New(10, 3)
		s.Write([]byte(in[:cut]))
		s.Write([]byte(in[cut:]))
		if d := Compare(whole, s); d != "" {
			t.Fatalf("cut at %d: %s", cut, d)
		}
	}
}

func TestResize(t *testing.T) {
	s := newWith(t, 10, 5, "\x1b[2;4r\x1b[H1\r\n2\r\n3")
	s.Resize(10, 2) // rows below the cursor go first, then rows at the top
	if text(s) != "2\n3" {
		t.Fatalf("shrunk: %q", text(s))
	}
	if x, y := s.Cursor(); x != 1 || y != 1 {
		t.Fatalf("cursor (%d,%d)", x, y)
	}
	s.Resize(4, 4)
	s.Write([]byte("abcdefg"))
	if text(s) != "2\n3abc\ndefg" {
		t.Fatalf("grown: %q", text(s))
	}
	if top, bottom := s.ScrollRegion(); top != 0 || bottom != 3 {
		t.Fatalf("region %d-%d", top, bottom)
	}
	s.Write([]byte("\x1b[1;1H漢字"))
	s.Resize(3, 4) // the wide character cut by the edge goes
	if rowText(s.g, 0) != "漢" {
		t.Fatalf("cut wide character: %q", rowText(s.g, 0))
	}
	s.Write([]byte("\x1b[?1049hx"))
	s.Resize(1, 1)
	s.Resize(MaxCols+5, MaxRows+5)
	if c, r := s.Size(); c != MaxCols || r != MaxRows {
		t.Fatalf("size %dx%d", c, r)
	}
	roundTrip(t, s)
}

func TestAppendText(t *testing.T) {
	s := newWith(t, 20, 5, "\x1b[1;31mred\x1b[0m plain\r\n\x1b[44m   \x1b[0m\r\n漢字\r\n\r\n")
	if got := string(s.AppendText(nil, false)); got != "red plain\n\n漢字\n" {
		t.Fatalf("plain %q", got)
	}
	got := string(s.AppendText(nil, true))
	if want := "\x1b[1;31mred\x1b[0m plain\n\x1b[44m   \x1b[0m\n漢字\n"; got != want {
		t.Fatalf("ansi\n%q, want\n%q", got, want)
	}
}

func TestNeverPanicsOnSizes(t *testing.T) {
	nasty := []string{"\x1b[0;30r\x1b[L", "\x1b[99;99r\x1b[M\x1b[99S\x1b[99T", "漢\x1b[99@\x1b[99P\x1b[99X",
		"\x1b[?6h\x1b[2;1r\x1b[99A\x1b[99B", "\x1b#8\x1b[?1049h\x1b[99b", "\t\t\x1b[99I\x1b[99Z"}
	for _, sz := range [][2]int{{1, 1}, {2, 1}, {1, 2}, {3, 3}, {MaxCols, 2}, {2, MaxRows}} {
		for _, in := range nasty {
			s := newWith(t, sz[0], sz[1], in)
			s.Write([]byte("x漢\u0301"))
			roundTrip(t, s)
		}
	}
}
