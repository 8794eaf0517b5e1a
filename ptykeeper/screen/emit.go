// emit.go appends the sequences a repaint or a difference is made of: SGR
// from one pen to another, hyperlinks, cursor positions, modes, charsets.
// Nothing here allocates beyond growing dst.

package screen

import "strconv"

// appendSGR appends the SGR sequence that turns pen from into pen to (nothing
// if equal). Attributes that go away need a reset (SGR 22 would clear both
// bold and dim), after which everything in to is set again.
func appendSGR(dst []byte, from, to *pen) []byte {
	if *from == *to {
		return dst
	}
	dst = append(dst, "\x1b["...)
	start := len(dst)
	f := *from
	removed := (f.attr&^to.attr)&^UnderlineMask != 0 ||
		(f.attr.Underline() != 0 && to.attr.Underline() == 0)
	if removed {
		dst = append(dst, '0')
		f = pen{}
	}
	add := to.attr &^ f.attr
	for i, code := range [...]string{"1", "2", "3", "5", "7", "8", "9", "53"} {
		if add&(1<<i) != 0 {
			dst = sgrSep(dst, start)
			dst = append(dst, code...)
		}
	}
	if u := to.attr.Underline(); u != f.attr.Underline() && u != 0 {
		dst = sgrSep(dst, start)
		if u == UnderlineSingle {
			dst = append(dst, '4')
		} else {
			dst = append(dst, "4:"...)
			dst = strconv.AppendInt(dst, int64(u), 10)
		}
	}
	if to.fg != f.fg {
		dst = appendColor(sgrSep(dst, start), to.fg, 30)
	}
	if to.bg != f.bg {
		dst = appendColor(sgrSep(dst, start), to.bg, 40)
	}
	if to.ul != f.ul {
		dst = appendULColor(sgrSep(dst, start), to.ul)
	}
	return append(dst, 'm')
}

func sgrSep(dst []byte, start int) []byte {
	if len(dst) > start {
		dst = append(dst, ';')
	}
	return dst
}

// appendColor appends a foreground (base 30) or background (base 40)
// colour parameter.
func appendColor(dst []byte, c Color, base int) []byte {
	switch c.kind() {
	case kindBasic:
		n := int(uint8(c))
		if n < 8 {
			return strconv.AppendInt(dst, int64(base+n), 10)
		}
		return strconv.AppendInt(dst, int64(base+60+n-8), 10)
	case kindIndexed:
		dst = strconv.AppendInt(dst, int64(base+8), 10)
		dst = append(dst, ";5;"...)
		return strconv.AppendInt(dst, int64(uint8(c)), 10)
	case kindRGB:
		r, g, b, _ := c.RGB()
		dst = strconv.AppendInt(dst, int64(base+8), 10)
		dst = append(dst, ";2;"...)
		dst = strconv.AppendInt(dst, int64(r), 10)
		dst = append(dst, ';')
		dst = strconv.AppendInt(dst, int64(g), 10)
		dst = append(dst, ';')
		return strconv.AppendInt(dst, int64(b), 10)
	}
	return strconv.AppendInt(dst, int64(base+9), 10)
}

// appendULColor appends the underline colour in the colon form that
// terminals supporting it parse (58:5:n, 58:2::r:g:b).
func appendULColor(dst []byte, c Color) []byte {
	switch c.kind() {
	case kindBasic, kindIndexed:
		dst = append(dst, "58:5:"...)
		return strconv.AppendInt(dst, int64(uint8(c)), 10)
	case kindRGB:
		r, g, b, _ := c.RGB()
		dst = append(dst, "58:2::"...)
		dst = strconv.AppendInt(dst, int64(r), 10)
		dst = append(dst, ':')
		dst = strconv.AppendInt(dst, int64(g), 10)
		dst = append(dst, ':')
		return strconv.AppendInt(dst, int64(b), 10)
	}
	return append(dst, "59"...)
}

// appendLink starts hyperlink l ("params;uri"), or ends the current one.
func appendLink(dst []byte, l string) []byte {
	dst = append(dst, "\x1b]8;"...)
	if l == "" {
		dst = append(dst, ';')
	} else {
		dst = append(dst, l...)
	}
	return append(dst, "\x1b\\"...)
}

// appendCUP moves to column x, row y (0-based, relative to the region in
// origin mode).
func appendCUP(dst []byte, x, y int) []byte {
	dst = append(dst, "\x1b["...)
	if y > 0 || x > 0 {
		dst = strconv.AppendInt(dst, int64(y+1), 10)
	}
	if x > 0 {
		dst = append(dst, ';')
		dst = strconv.AppendInt(dst, int64(x+1), 10)
	}
	return append(dst, 'H')
}

func appendCSI1(dst []byte, n int, final byte) []byte {
	dst = append(dst, "\x1b["...)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, final)
}

func appendRegion(dst []byte, top, bottom int) []byte {
	dst = append(dst, "\x1b["...)
	dst = strconv.AppendInt(dst, int64(top+1), 10)
	dst = append(dst, ';')
	dst = strconv.AppendInt(dst, int64(bottom+1), 10)
	return append(dst, 'r')
}

// appendModes appends CSI ? n1;n2... h (or l), or nothing for no modes.
func appendModes(dst []byte, private bool, ns []uint16, on bool) []byte {
	if len(ns) == 0 {
		return dst
	}
	dst = append(dst, "\x1b["...)
	if private {
		dst = append(dst, '?')
	}
	for i, n := range ns {
		if i > 0 {
			dst = append(dst, ';')
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
	}
	if on {
		return append(dst, 'h')
	}
	return append(dst, 'l')
}

// appendCharsets designates G0 and G1 where they differ from the terminal's
// and invokes the right one.
func appendCharsets(dst []byte, from, to *charsets) []byte {
	for g, intro := range [2]byte{'(', ')'} {
		if from.g[g] != to.g[g] {
			dst = append(dst, 0x1b, intro, to.g[g])
		}
	}
	if from.gl != to.gl {
		if to.gl == 1 {
			dst = append(dst, 0x0e)
		} else {
			dst = append(dst, 0x0f)
		}
	}
	return dst
}

func appendTitle(dst []byte, t []byte) []byte {
	dst = append(dst, "\x1b]2;"...)
	dst = append(dst, t...)
	return append(dst, "\x1b\\"...)
}
