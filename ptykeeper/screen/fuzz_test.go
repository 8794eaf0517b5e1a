package screen

import (
	"testing"
)

// fuzzSize maps fuzzed numbers to screen sizes, mostly small ones (so the
// fuzzer runs fast), sometimes up to the limits.
func fuzzSize(c, r uint16) (int, int) {
	cols, rows := int(c%1200), int(r%600)
	if c&0x8000 == 0 {
		cols, rows = cols%40, rows%20
	}
	return cols, rows // New and Resize clamp 0 and too large sizes
}

// checkInvariants fails if the model is in a state no input may lead to.
func checkInvariants(t *testing.T, s *Screen) {
	t.Helper()
	switch {
	case s.x < 0 || s.x > s.cols || s.y < 0 || s.y >= s.rows:
		t.Fatalf("cursor (%d,%d) outside %dx%d", s.x, s.y, s.cols, s.rows)
	case s.top < 0 || s.bottom >= s.rows || s.top >= s.bottom && s.rows > 1:
		t.Fatalf("region %d-%d on %d rows", s.top, s.bottom, s.rows)
	case s.modes.has(mOrigin) && s.y > s.bottom:
		t.Fatalf("origin mode with the cursor at row %d below the region %d-%d", s.y, s.top, s.bottom)
	case (s.alt != nil) != (s.g == s.alt) || s.main == nil:
		t.Fatal("active screen confused")
	case len(s.replies) > maxReplies || cap(s.osc.buf) > maxOSC+oscKeepCap:
		t.Fatalf("buffers grew: replies %d, OSC %d", len(s.replies), cap(s.osc.buf))
	}
	for _, g := range []*grid{s.main, s.alt} {
		if g == nil {
			continue
		}
		if g.height() != s.rows {
			t.Fatalf("grid of %d rows on a %d-row screen", g.height(), s.rows)
		}
		for y := 0; y < s.rows; y++ {
			r := g.row(y)
			if len(r.cells) != s.cols {
				t.Fatalf("row %d has %d cells, want %d", y, len(r.cells), s.cols)
			}
			if r.used < 0 || int(r.used) > len(r.cells) {
				t.Fatalf("row %d used %d of %d", y, r.used, len(r.cells))
			}
			for x := range r.cells {
				c := &r.cells[x]
				if x >= int(r.used) && *c != (Cell{}) {
					t.Fatalf("row %d cell %d is %+v, past used %d", y, x, *c, r.used)
				}
				if c.ext != 0 && (r.side == nil || int(c.ext) > len(r.side.ext)) {
					t.Fatalf("row %d cell %d refers to a side entry %d that is not there", y, x, c.ext)
				}
				if c.isWide() && (x+1 >= s.cols || !r.cells[x+1].isCont()) || c.isCont() && (x == 0 || !r.cells[x-1].isWide()) {
					t.Fatalf("row %d cell %d: a half wide character", y, x)
				}
			}
		}
	}
}

// FuzzScreen drives Write, Resize, AppendRepaint and AppendDiff with random
// bytes and sizes: nothing may panic, the model must stay consistent, and
// a terminal fed a difference must end equal to the model.
func FuzzScreen(f *testing.F) {
	seeds := []string{
		"\x1b[0;30r\x1b[L", // region past the last row + insert line: crashes x/vt
		"\x1b[?1049h\x1b[2;3r\x1b[?6h\x1b[5;5H\x1b7\x1b[?1049l\x1b8",
		"漢字\x1b[1;2H\x1b[4hx\x1b[2@\x1b[P\u0301\u200d👩",
		"\x1b]8;id=1;http://x\x1b\\link\x1b[58:2::1:2:3m\x1b[4:3m\x1b]8;;\x07",
		"\x1b(0\x0e\x1b)0lqk\x0f\x1b#8\x1b[3g\x1bH\x1b[99b",
		"\x1b[?7l" + "abcdefghijklmnopqrstuvwxyz漢字" + "\x1b[?7h" + "abcdefghijklmnopqrstuvwxyz",
		"\x1b]2;title\x07\x1b[22;0t\x1b]0;other\x1b\\\x1b[23t\x1b[c\x1b[6n\x1b[?1$p",
		"\x1b[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21;22;23;24;25;26;27;28;29;30;31;32;33;34;35m",
		"\x1b[99999999999999999999A\x1b[;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;;H",
		"a\xe4\xb8\x1b[Hb\xf0\x9f\x98\xc3\x28\xed\xa0\x80",
		"\x1bP1$q\x1b[m\x1bX\x1b^\x1b_\x9c\x1b]52;c;" + "QUFBQQ==\x07",
	}
	for i, s := range seeds {
		f.Add(uint16(10+i), uint16(5+i%4), uint16(7+i), uint16(3+i%5), []byte(s), []byte(seeds[(i+1)%len(seeds)]))
	}
	f.Add(uint16(0x8000|1000), uint16(500), uint16(1), uint16(1), []byte(seeds[0]), []byte("x漢"))
	f.Fuzz(func(t *testing.T, c1, r1, c2, r2 uint16, a, b []byte) {
		cols, rows := fuzzSize(c1, r1)
		s := New(cols, rows)
		s.Write(a)
		checkInvariants(t, s)
		checkAnswered(t, s, a, cols, rows)
		var fr Frame
		s.Snapshot(&fr)
		// A terminal that saw a, as the frame says.
		term := New(cols, rows)
		term.Write(a)
		s.AppendText(nil, true)
		s.AppendReplies(nil)

		s.Write(b)
		checkInvariants(t, s)
		diff := s.AppendDiff(nil, &fr)
		term.Write(diff)
		if d := Compare(s, term); d != "" {
			t.Fatalf("after the difference: %s\ndiff %q", d, diff)
		}

		s.Snapshot(&fr) // what term shows now
		nc, nr := fuzzSize(c2, r2)
		s.Resize(nc, nr)
		checkInvariants(t, s)
		s.Write(b)
		checkInvariants(t, s)
		term.Resize(nc, nr)
		term.Write(s.AppendDiff(nil, &fr)) // another size: a full repaint
		if d := Compare(s, term); d != "" {
			t.Fatalf("after resize and repaint: %s", d)
		}
		s.Reset()
		checkInvariants(t, s)
	})
}

// FuzzRepaint checks the round trip: a terminal in any state (here: a
// model fed other random bytes) fed a model's repaint equals that model in
// everything a terminal shows or keeps.
func FuzzRepaint(f *testing.F) {
	seeds := []string{
		"\x1b[0;30r\x1b[L",
		"\x1b[31;44mhello\x1b[K\r\n\x1b[7mworld\x1b[0m \x1b[38;2;1;2;3mrgb\x1b[48;5;200m \x1b[4:2mu",
		"\x1b[?1049h\x1b[?25l\x1b[5 q\x1b[2;4r\x1b[?6h\x1b[2;2Hvim\x1b[?1000h\x1b[?1006h\x1b[?2004h\x1b=",
		"abcdefghij\x1b7\x1b[?1049h\x1b[Hx\x1b[2;3H\x1b[1m\x1b7\x1b[?47l",
		"0123456789abc\x1b(0\x0elqk\x1b)0\x1b(B",
		"\x1b[3g\x1b[5G\x1bH\x1b[12G\x1bH\x1b]2;t\x07\x1b[22t\x1b]2;u\x07",
		"漢字かな\u0301x\u200d👨\u200d👩",
		"\x1b[?7lno autowrap here at all\x1b[4h\x1b[20h",
		"\x1b]8;;http://example.com/\x07link\x1b]8;;\x07 \x1b[58;5;3m\x1b[4mx",
	}
	garbage := []string{"", "\x1b[?1049h\x1b[31mjunk\x1b[3;5r\x1b[?6h\x1b(0\x0e\x1b[4h\x1b[?7l\x1b]8;;x\x07\x1b[?1003h", "\x1b]2;old\x07\x1b[?25l\x1b[3g\x1b7"}
	for i, s := range seeds {
		f.Add(uint8(10+i), uint8(4+i%3), []byte(s), []byte(garbage[i%len(garbage)]))
	}
	f.Fuzz(func(t *testing.T, c, r uint8, data, junk []byte) {
		cols, rows := int(c%60), int(r%30)
		a := New(cols, rows)
		a.Write(data)
		// The fast paths (ASCII runs, whole control sequences, whole
		// UTF-8 characters) agree with the state machine byte by byte.
		bytewise := New(cols, rows)
		for i := range data {
			bytewise.Write(data[i : i+1])
		}
		if d := Compare(a, bytewise); d != "" {
			t.Fatalf("written at once and byte by byte: %s", d)
		}
		rp := a.AppendRepaint(nil)
		b := New(cols, rows)
		b.Write(junk)
		// A repaint leaves alone what no sequence can undo: a title the
		// program never set, a terminal's title stack, the cursor a
		// terminal's 1049 switch saved.
		if !a.titleSet || a.stackUnset > 0 { // the terminal's own title: here, none
			b.title, b.titleSet = nil, false
		}
		if !a.altSaved.valid {
			b.altSaved = altSlot{}
		}
		b.titleStack, b.stackUnset = nil, 0
		b.Write(rp)
		if d := Compare(a, b); d != "" {
			t.Fatalf("repaint over another state: %s\nrepaint %q", d, rp)
		}
		// A repaint of the copy is the same bytes.
		if rp2 := b.AppendRepaint(nil); string(rp2) != string(rp) {
			t.Fatalf("the copy repaints differently:\n%q\n%q", rp, rp2)
		}
	})
}

// checkAnswered checks the spans of answered queries after writing a to a
// fresh s: in order, inside a, each starting with ESC; and a terminal fed a
// without them (what a keeper passes on) ends up the same.
func checkAnswered(t *testing.T, s *Screen, a []byte, cols, rows int) {
	t.Helper()
	var kept []byte
	at := uint64(0)
	for _, sp := range s.AppendAnswered(nil) {
		if sp.Start < at || sp.End <= sp.Start || sp.End > uint64(len(a)) || a[sp.Start] != 0x1b {
			t.Fatalf("bad answered span %+v (after %d) in %q", sp, at, a)
		}
		kept = append(kept, a[at:sp.Start]...)
		at = sp.End
	}
	kept = append(kept, a[at:]...)
	other := New(cols, rows)
	other.Write(kept)
	if d := Compare(s, other); d != "" {
		t.Fatalf("without the answered queries the screen differs: %s\nkept %q", d, kept)
	}
}
