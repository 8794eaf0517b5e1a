// text.go renders the active screen as text, like `tmux capture-pane -p`
// (and with attributes, like its -e): one line per row, trailing blanks and
// trailing empty rows left out.

package screen

// AppendText appends the active screen as lines of text to dst, each ending
// in "\n". Trailing blanks of each row and trailing empty rows are left
// out. With ansi, attributes are written as SGR sequences; each line starts
// from the default pen and ends with a reset if it changed it.
func (s *Screen) AppendText(dst []byte, ansi bool) []byte {
	rows := s.rows
	for rows > 0 && s.textEnd(s.g.row(rows-1), ansi) == 0 {
		rows--
	}
	for y := 0; y < rows; y++ {
		r := s.g.row(y)
		end := s.textEnd(r, ansi)
		cur := pen{}
		var link string
		for x := 0; x < end; x++ {
			c := &r.cells[x]
			if c.isCont() {
				continue
			}
			if ansi {
				e := r.extOf(c)
				p := pen{fg: c.fg, bg: c.bg, ul: e.ul, attr: c.attr & penAttrs}
				if p != cur {
					dst = appendSGR(dst, &cur, &p)
					cur = p
				}
				if e.link != link {
					dst = appendLink(dst, e.link)
					link = e.link
				}
			}
			dst = appendCellText(dst, r, c)
		}
		if link != "" {
			dst = appendLink(dst, "")
		}
		if cur != (pen{}) {
			dst = append(dst, "\x1b[0m"...)
		}
		dst = append(dst, '\n')
	}
	return dst
}

// textEnd returns the index after the last cell of r that shows something:
// a character (plain), or anything but the default blank (ansi).
func (s *Screen) textEnd(r *row, ansi bool) int {
	end := len(r.cells)
	for end > 0 {
		c := &r.cells[end-1]
		if ansi {
			if !(c.r == 0 || c.r == ' ') || c.fg != 0 || c.bg != 0 || c.attr != 0 || c.ext != 0 {
				break
			}
		} else if !(c.r == 0 || c.r == ' ') || c.isCont() {
			break
		}
		end--
	}
	return end
}

// appendCellText appends the character of cell c (a space when erased).
func appendCellText(dst []byte, r *row, c *Cell) []byte {
	if txt := r.clusterOf(c); txt != nil {
		return append(dst, txt...)
	}
	return appendRune(dst, c.r)
}
