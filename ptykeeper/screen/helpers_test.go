package screen

import (
	"strings"
	"testing"
)

// text returns the active screen as plain text, rows joined by "\n" with
// trailing empty rows left out (AppendText without the last newline).
func text(s *Screen) string {
	return strings.TrimSuffix(string(s.AppendText(nil, false)), "\n")
}

// rowText returns row y of grid g as text, trailing blanks trimmed.
func rowText(g *grid, y int) string {
	r := g.row(y)
	var b []byte
	for x := range r.cells {
		if !r.cells[x].isCont() {
			b = appendCellText(b, r, &r.cells[x])
		}
	}
	return strings.TrimRight(string(b), " ")
}

func newWith(t testing.TB, cols, rows int, in string) *Screen {
	t.Helper()
	s := New(cols, rows)
	s.Write([]byte(in))
	return s
}

// roundTrip checks that a fresh model fed s's repaint equals s, and
// returns the repaint.
func roundTrip(t testing.TB, s *Screen) []byte {
	t.Helper()
	rp := s.AppendRepaint(nil)
	b := New(s.cols, s.rows)
	b.Write(rp)
	if d := Compare(s, b); d != "" {
		t.Fatalf("repaint differs from the model: %s\nrepaint %q", d, rp)
	}
	return rp
}
