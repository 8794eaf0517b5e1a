// sgr.go parses SGR (CSI ... m) into the pen: attributes, underline styles
// (4:0-4:5, 21), basic, 256 and truecolor colours in both the ';' and the
// ':' forms, and the underline colour (58/59).

package screen

func (s *Screen) sgr() {
	if s.nparams == 0 {
		s.pen = pen{}
		return
	}
	for i := 0; i < s.nparams; i++ {
		// A parameter with sub-parameters (4:3, 38:2::r:g:b) is taken as
		// a whole, as tmux does.
		j := i + 1
		for j < s.nparams && s.sub&(1<<j) != 0 {
			j++
		}
		if j > i+1 {
			s.sgrColon(i, j)
			i = j - 1
			continue
		}
		n := s.param(i, 0)
		switch {
		case n == 38 || n == 48 || n == 58:
			i = s.sgrExtended(n, i)
		default:
			s.sgrOne(n)
		}
	}
}

func (s *Screen) sgrOne(n int) {
	p := &s.pen
	switch {
	case n == 0:
		*p = pen{}
	case n == 1:
		p.attr |= Bold
	case n == 2:
		p.attr |= Dim
	case n == 3:
		p.attr |= Italic
	case n == 4:
		p.attr = p.attr.withUnderline(UnderlineSingle)
	case n == 5 || n == 6:
		p.attr |= Blink
	case n == 7:
		p.attr |= Reverse
	case n == 8:
		p.attr |= Invisible
	case n == 9:
		p.attr |= Strike
	case n == 21:
		p.attr = p.attr.withUnderline(UnderlineDouble)
	case n == 22:
		p.attr &^= Bold | Dim
	case n == 23:
		p.attr &^= Italic
	case n == 24:
		p.attr &^= UnderlineMask
	case n == 25:
		p.attr &^= Blink
	case n == 27:
		p.attr &^= Reverse
	case n == 28:
		p.attr &^= Invisible
	case n == 29:
		p.attr &^= Strike
	case n >= 30 && n <= 37:
		p.fg = BasicColor(uint8(n - 30))
	case n == 39:
		p.fg = 0
	case n >= 40 && n <= 47:
		p.bg = BasicColor(uint8(n - 40))
	case n == 49:
		p.bg = 0
	case n == 53:
		p.attr |= Overline
	case n == 55:
		p.attr &^= Overline
	case n == 59:
		p.ul = 0
	case n >= 90 && n <= 97:
		p.fg = BasicColor(uint8(n - 90 + 8))
	case n >= 100 && n <= 107:
		p.bg = BasicColor(uint8(n - 100 + 8))
	}
}

// sgrExtended handles 38/48/58 followed by ;5;n or ;2;r;g;b and returns
// the index of the last parameter used, consuming what tmux consumes: an
// invalid 256-colour index resets the colour, invalid RGB components are
// left to be read as ordinary SGR parameters.
func (s *Screen) sgrExtended(n, i int) int {
	switch s.param(i+1, -1) {
	case 5:
		s.set256(n, s.param(i+2, -1))
		return i + 2
	case 2:
		r, g, b := s.param(i+2, -1), s.param(i+3, -1), s.param(i+4, -1)
		if validRGB(r, g, b) {
			s.setColor(n, RGBColor(uint8(r), uint8(g), uint8(b)))
			return i + 4
		}
	}
	return i + 1
}

func (s *Screen) set256(which, c int) {
	if c < 0 || c > 255 {
		if which != 58 {
			s.setColor(which, 0)
		}
		return
	}
	s.setColor(which, IndexedColor(uint8(c)))
}

// sgrColon handles a parameter with sub-parameters, params[i:j].
func (s *Screen) sgrColon(i, j int) {
	k := j - i // how many numbers
	if k >= 8 {
		return
	}
	switch n := s.param(i, -1); n {
	case 4:
		if k == 2 {
			if st := s.param(i+1, -1); st >= 0 && st <= 5 {
				s.pen.attr = s.pen.attr.withUnderline(st)
			}
		}
	case 38, 48, 58:
		switch s.param(i+1, -1) {
		case 5:
			if k >= 3 {
				s.set256(n, s.param(i+2, -1))
			}
		case 2:
			// 38:2:r:g:b, or 38:2:colourspace:r:g:b
			first := i + 3
			if k == 5 {
				first = i + 2
			}
			if k < 5 {
				return
			}
			r, g, b := s.param(first, -1), s.param(first+1, -1), s.param(first+2, -1)
			if validRGB(r, g, b) {
				s.setColor(n, RGBColor(uint8(r), uint8(g), uint8(b)))
			}
		}
	}
}

func validRGB(r, g, b int) bool {
	return r >= 0 && r <= 255 && g >= 0 && g <= 255 && b >= 0 && b <= 255
}

func (s *Screen) setColor(which int, c Color) {
	switch which {
	case 38:
		s.pen.fg = c
	case 48:
		s.pen.bg = c
	case 58:
		s.pen.ul = c
	}
}
