// screen.go defines the Screen: its state (both screens, cursor, pen,
// modes, charsets, scroll region, tab stops, saved cursors, title), its
// constructor, Resize and Reset, and the small read-only accessors.

package screen

// Size limits: New and Resize clamp to these.
const (
	MaxCols = 1000
	MaxRows = 500
)

// pen is what SGR sets: the colours and attributes new characters get.
type pen struct {
	fg, bg, ul Color
	attr       Attr
}

// charsets is the character set state: what G0 and G1 designate ('B'
// ASCII, '0' DEC special graphics) and which one is invoked (SO/SI).
type charsets struct {
	g  [2]byte
	gl uint8
}

var defaultCharsets = charsets{g: [2]byte{'B', 'B'}}

// savedCursor is the DECSC slot.
type savedCursor struct {
	x, y   int
	pen    pen
	cs     charsets
	origin bool
}

// altSlot is what the switch to the alternate screen saves (tmux keeps it
// apart from the DECSC slot): the pen on any switch, the position too on
// 1049, which leaving with 1049 restores when valid.
type altSlot struct {
	x, y  int
	pen   pen
	valid bool
}

// Screen is a terminal: a parser, the main and (while active) alternate
// screen, and every mode. Not goroutine-safe: one owner calls everything.
type Screen struct {
	cols, rows int

	main *grid
	alt  *grid // nil unless the alternate screen is active
	g    *grid // the active one

	// The cursor. x == cols means the last column was written and the
	// wrap is pending (tmux's representation of xterm's flag).
	x, y int
	pen  pen
	link string // current OSC 8 hyperlink, "params;uri"
	cs   charsets

	// The saved cursor (DECSC, one for both screens as in tmux) and what
	// the switch to the alternate screen saved.
	saved    savedCursor
	altSaved altSlot

	modes       modes
	top, bottom int // scroll region, inclusive
	tabs        tabStops
	cursorStyle uint8 // DECSCUSR 0-6

	title      []byte
	titleSet   bool // the program set a title (a repaint leaves the terminal's alone otherwise)
	titleStack [][]byte
	// stackUnset counts the entries at the bottom of the title stack that
	// were pushed before any title was set: they hold the terminal's own.
	stackUnset int

	// epoch counts screen switches, so a Frame taken on the other screen
	// (or before a round trip through it) is known to be unrelated.
	epoch uint64

	parser
	width   widthCache
	lastR   rune // last printed graphic character, for REP; -1 none
	zwj     bool // a zero width joiner was printed: the next rune joins the cluster
	replies []byte
	queries uint64
	track   byteTrack
	links   linkCache
	scratch extScratch
}

// New returns a screen of the given size (clamped to 1..1000 x 1..500) in
// the state a terminal has after a reset.
func New(cols, rows int) *Screen {
	cols, rows = clampSize(cols, rows)
	s := &Screen{cols: cols, rows: rows}
	s.main = newGrid(cols, rows)
	s.g = s.main
	s.init()
	return s
}

func clampSize(cols, rows int) (int, int) {
	return min(max(cols, 1), MaxCols), min(max(rows, 1), MaxRows)
}

// init sets the state of a new terminal, besides the screen contents.
func (s *Screen) init() {
	s.reset()
	s.parser.reset()
	s.width = widthCache{r: -1}
}

// reset sets what RIS resets (as tmux does): cursor, pen, charsets, saved
// cursor, modes, scroll region, tab stops. The cursor style, the title and
// what the switch to the alternate screen saved are kept.
func (s *Screen) reset() {
	s.x, s.y = 0, 0
	s.pen, s.link, s.cs = pen{}, "", defaultCharsets
	s.saved = savedCursor{cs: defaultCharsets}
	s.modes = defaultModes()
	s.top, s.bottom = 0, s.rows-1
	s.tabs.reset(s.cols)
	s.lastR = -1
	s.zwj = false
}

// Size returns the screen size.
func (s *Screen) Size() (cols, rows int) { return s.cols, s.rows }

// Reset does what RIS (ESC c) does, as tmux does it: the active screen
// cleared (the alternate one stays active: xterm would leave it), the
// cursor home, and every mode, the pen, charsets, tab stops, scroll region
// and saved cursor back to their defaults. The title, the cursor style and
// pending replies are kept.
func (s *Screen) Reset() {
	s.g.clear(0)
	s.reset()
}

// Resize changes the size as tmux does, without reflow: columns are cut or
// padded on the right; when rows shrink, blank rows below the cursor go
// first, then rows leave at the top so the cursor stays on its line; when
// rows grow, blank rows are added at the bottom. The scroll region is
// reset, and tab stops too when the width changes.
func (s *Screen) Resize(cols, rows int) {
	cols, rows = clampSize(cols, rows)
	if cols == s.cols && rows == s.rows {
		return
	}
	if s.alt != nil {
		// The main screen's cursor is the one saved by the switch.
		cy := s.y
		if s.altSaved.valid {
			cy = s.altSaved.y
		}
		s.main, cy = resizeGrid(s.main, cols, rows, cy)
		if s.altSaved.valid {
			s.altSaved.y = cy
		}
		s.alt, s.y = resizeGrid(s.alt, cols, rows, s.y)
		s.g = s.alt
	} else {
		s.main, s.y = resizeGrid(s.main, cols, rows, s.y)
		s.g = s.main
	}
	if cols != s.cols {
		s.tabs.reset(cols)
		s.x = min(s.x, cols-1)
	}
	s.cols, s.rows = cols, rows
	s.top, s.bottom = 0, rows-1
	s.saved.x, s.saved.y = min(s.saved.x, cols-1), min(s.saved.y, rows-1)
	s.altSaved.x, s.altSaved.y = min(s.altSaved.x, cols-1), min(s.altSaved.y, rows-1)
}

// resizeGrid returns g at the new size and the row the cursor's row cy
// moved to. Shrinking drops rows below the cursor first, then rows at the
// top (tmux moves those into its history; the keeper keeps its own).
func resizeGrid(g *grid, cols, rows, cy int) (*grid, int) {
	cy = min(max(cy, 0), g.height()-1)
	first := 0
	if need := g.height() - rows; need > 0 {
		need -= min(g.height()-1-cy, need)
		first = min(need, cy)
	}
	return g.resized(cols, rows, first), cy - first
}
