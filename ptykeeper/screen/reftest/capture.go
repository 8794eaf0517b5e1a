// capture.go turns what tmux reports about a pane into a State: the output
// of `capture-pane -p -e -N` (cells, parsed as one stream because each
// attribute change is written relative to the cell before it, across line
// ends) and of `display -p` with stateFormat (cursor, modes, title).

package reftest

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
)

// stateFormat is the display-message format the State's fields come from,
// '|'-separated; the title comes last because it may hold a '|'. tmux 3.3a
// has no format for bracketed paste, focus events, mouse encodings other
// than SGR, or the cursor style, so those are not compared.
const stateFormat = "#{cursor_x}|#{cursor_y}|#{cursor_flag}|#{alternate_on}|#{insert_flag}|" +
	"#{keypad_cursor_flag}|#{keypad_flag}|#{mouse_standard_flag}|#{mouse_button_flag}|" +
	"#{mouse_all_flag}|#{mouse_sgr_flag}|#{origin_flag}|#{wrap_flag}|" +
	"#{scroll_region_upper}|#{scroll_region_lower}|#{pane_tabs}|#{pane_title}"

const stateFields = 17

// parseState builds a State from capture-pane output (rows lines) followed
// by one line of stateFormat.
func parseState(out []byte, cols, rows int) (*State, error) {
	lines := 0
	end := 0
	for end < len(out) && lines < rows {
		i := bytes.IndexByte(out[end:], '\n')
		if i < 0 {
			break
		}
		end += i + 1
		lines++
	}
	if lines < rows {
		return nil, fmt.Errorf("parse capture: %d of %d rows in %q", lines, rows, out)
	}
	st := &State{Cols: cols, Rows: rows, Cells: parseCells(out[:end], cols, rows)}
	if err := parseFields(st, strings.TrimSuffix(string(out[end:]), "\n")); err != nil {
		return nil, err
	}
	st.Normalise()
	return st, nil
}

func parseFields(st *State, line string) error {
	f := strings.SplitN(line, "|", stateFields)
	if len(f) != stateFields {
		return fmt.Errorf("parse display: %d fields in %q", len(f), line)
	}
	n := make([]int, 15)
	for i := range n {
		v, err := strconv.Atoi(f[i])
		if err != nil {
			return fmt.Errorf("parse display field %d of %q: %w", i, line, err)
		}
		n[i] = v
	}
	st.CursorX, st.CursorY = n[0], n[1]
	st.CursorVisible, st.Alternate = n[2] != 0, n[3] != 0
	st.Modes = Modes{
		Insert: n[4] != 0, CursorKeys: n[5] != 0, Keypad: n[6] != 0,
		MouseStandard: n[7] != 0, MouseButton: n[8] != 0, MouseAll: n[9] != 0, MouseSGR: n[10] != 0,
		Origin: n[11] != 0, Wrap: n[12] != 0,
		ScrollTop: n[13], ScrollBottom: n[14],
		Tabs: f[15],
	}
	st.Title = f[16]
	return nil
}

// capParser holds the attribute state while reading a capture.
type capParser struct {
	style   Style
	charset bool // between SO and SI: DEC line drawing
}

// parseCells reads capture-pane -e output into rows x cols cells. Each
// character with a width starts a cell; characters of width 0 (combining
// marks, joiners, variation selectors) join the cell before, as tmux stores
// them. Widths come from wcwidth tables, which may differ from tmux's for
// some emoji: then columns in reports may be off, but two captures still
// compare equal exactly when tmux captured the same cells.
func parseCells(out []byte, cols, rows int) [][]Cell {
	var p capParser
	cells := make([][]Cell, 0, rows)
	row := make([]Cell, 0, cols)
	for i := 0; i < len(out); {
		b := out[i]
		switch {
		case b == '\n':
			cells = append(cells, pad(row, cols))
			row = make([]Cell, 0, cols)
			i++
		case b == 0x0e:
			p.charset = true
			i++
		case b == 0x0f:
			p.charset = false
			i++
		case b == 0x1b && i+1 < len(out) && out[i+1] == '[':
			j := i + 2
			for j < len(out) && (out[j] >= '0' && out[j] <= '9' || out[j] == ';' || out[j] == ':') {
				j++
			}
			if j < len(out) && out[j] == 'm' {
				p.sgr(string(out[i+2 : j]))
			}
			i = j + 1
		default:
			r, n := utf8.DecodeRune(out[i:])
			i += n
			row = p.addRune(row, r)
		}
	}
	for len(cells) < rows {
		cells = append(cells, pad(nil, cols))
	}
	return cells
}

func (p *capParser) addRune(row []Cell, r rune) []Cell {
	if p.charset {
		if g, ok := decGraphics[r]; ok {
			r = g
		}
	}
	w := ansi.StringWidthWc(string(r))
	if w == 0 && len(row) > 0 {
		last := len(row) - 1
		if row[last].Width == 0 && last > 0 {
			last-- // a mark after a wide character joins the character
		}
		row[last].Text += string(r)
		return row
	}
	w = max(w, 1)
	row = append(row, Cell{Text: string(r), Width: w, Style: p.style})
	if w == 2 {
		row = append(row, Cell{Width: 0, Style: p.style})
	}
	return row
}

func pad(row []Cell, cols int) []Cell {
	for len(row) < cols {
		row = append(row, blank)
	}
	return row
}

// sgr applies the parameters of one SGR sequence as tmux writes them in a
// capture. tmux writes attributes 42–45 as "4:2".."4:5" (underline styles)
// and overline (53) as "5:3".
func (p *capParser) sgr(params string) {
	ps := strings.Split(params, ";")
	if params == "" {
		ps = []string{"0"}
	}
	for i := 0; i < len(ps); i++ {
		sub := strings.Split(ps[i], ":")
		n, _ := strconv.Atoi(sub[0])
		if len(sub) == 2 {
			m, _ := strconv.Atoi(sub[1])
			switch {
			case n == 4:
				p.style.Attrs &^= underlines
				if m >= 1 && m <= 5 {
					p.style.Attrs |= UnderlineSingle << (m - 1)
				}
			case n == 5 && m == 3:
				p.style.Attrs |= Overline
			}
			continue
		}
		switch {
		case n == 0:
			p.style = Style{}
		case n == 1:
			p.style.Attrs |= Bold
		case n == 2:
			p.style.Attrs |= Dim
		case n == 3:
			p.style.Attrs |= Italic
		case n == 4:
			p.style.Attrs = p.style.Attrs&^underlines | UnderlineSingle
		case n == 5:
			p.style.Attrs |= Blink
		case n == 7:
			p.style.Attrs |= Reverse
		case n == 8:
			p.style.Attrs |= Hidden
		case n == 9:
			p.style.Attrs |= Strike
		case n == 53:
			p.style.Attrs |= Overline
		case n >= 30 && n <= 37:
			p.style.Fg = Basic(uint8(n - 30))
		case n == 39:
			p.style.Fg = 0
		case n >= 40 && n <= 47:
			p.style.Bg = Basic(uint8(n - 40))
		case n == 49:
			p.style.Bg = 0
		case n >= 90 && n <= 97:
			p.style.Fg = Indexed(uint8(n - 90 + 8))
		case n >= 100 && n <= 107:
			p.style.Bg = Indexed(uint8(n - 100 + 8))
		case n == 38 || n == 48 || n == 58:
			c, used := extColor(ps[i+1:])
			i += used
			switch n {
			case 38:
				p.style.Fg = c
			case 48:
				p.style.Bg = c
			default:
				p.style.Underline = c
			}
		case n == 59:
			p.style.Underline = 0
		}
	}
}

// extColor reads "5;n" or "2;r;g;b" and returns the colour and the number
// of parameters used.
func extColor(ps []string) (Color, int) {
	num := func(i int) uint8 {
		if i >= len(ps) {
			return 0
		}
		v, _ := strconv.Atoi(ps[i])
		return uint8(v)
	}
	if len(ps) == 0 {
		return 0, 0
	}
	switch ps[0] {
	case "5":
		return Indexed(num(1)), 2
	case "2":
		return RGB(num(1), num(2), num(3)), 4
	}
	return 0, 1
}

// decGraphics maps the DEC special graphics characters (ESC ( 0) to the
// glyphs a terminal draws for them, as tmux does for a UTF-8 client
// (tty-acs.c). Characters outside the table draw as themselves.
var decGraphics = map[rune]rune{
	'+': '→', ',': '←', '-': '↑', '.': '↓', '0': '▮',
	'`': '◆', 'a': '▒', 'b': '␉', 'c': '␌', 'd': '␍', 'e': '␊', 'f': '°', 'g': '±',
	'h': '␤', 'i': '␋', 'j': '┘', 'k': '┐', 'l': '┌', 'm': '└', 'n': '┼', 'o': '⎺',
	'p': '⎻', 'q': '─', 'r': '⎼', 's': '⎽', 't': '├', 'u': '┤', 'v': '┴', 'w': '┬',
	'x': '│', 'y': '≤', 'z': '≥', '{': 'π', '|': '≠', '}': '£', '~': '·',
}
