// cell.go defines what one screen cell holds: a 16-byte Cell (rune,
// colours, attributes, and an index into its row's side table) and the
// side-table entry for the rare data (grapheme clusters of more than one
// rune, underline colour, hyperlink).

package screen

import "unicode/utf8"

// Color is a terminal colour: the default, one of the 16 basic colours (SGR
// 30-37 and 90-97, kept apart from the same index set through the 256-colour
// form because terminals may draw them differently), an index into the
// 256-colour palette, or a 24-bit RGB value.
type Color uint32

const (
	colorKindShift = 24
	kindDefault    = 0
	kindBasic      = 1
	kindIndexed    = 2
	kindRGB        = 3
)

// DefaultColor is the terminal's default foreground or background.
const DefaultColor Color = 0

// BasicColor returns basic colour n (0-15).
func BasicColor(n uint8) Color { return Color(kindBasic<<colorKindShift | uint32(n&15)) }

// IndexedColor returns colour n of the 256-colour palette.
func IndexedColor(n uint8) Color { return Color(kindIndexed<<colorKindShift | uint32(n)) }

// RGBColor returns a 24-bit colour.
func RGBColor(r, g, b uint8) Color {
	return Color(kindRGB<<colorKindShift | uint32(r)<<16 | uint32(g)<<8 | uint32(b))
}

// IsDefault reports whether c is the default colour.
func (c Color) IsDefault() bool { return c == 0 }

// Basic returns the basic colour index (0-15) and whether c is one.
func (c Color) Basic() (uint8, bool) { return uint8(c), c.kind() == kindBasic }

// Indexed returns the palette index and whether c is a 256-colour index.
func (c Color) Indexed() (uint8, bool) { return uint8(c), c.kind() == kindIndexed }

// RGB returns the components and whether c is a 24-bit colour.
func (c Color) RGB() (r, g, b uint8, ok bool) {
	return uint8(c >> 16), uint8(c >> 8), uint8(c), c.kind() == kindRGB
}

func (c Color) kind() uint32 { return uint32(c) >> colorKindShift }

// Attr is a set of character attributes, plus two bits that mark the halves
// of a wide character.
type Attr uint16

// Attributes. The underline style takes three bits (UnderlineMask); 0 is no
// underline, then single, double, curly, dotted, dashed (SGR 4:0..4:5).
const (
	Bold Attr = 1 << iota
	Dim
	Italic
	Blink
	Reverse
	Invisible
	Strike
	Overline
	underline0
	underline1
	underline2
	attrWide     // first half of a wide character
	attrWideCont // second half of a wide character: holds no rune

	UnderlineMask  = underline0 | underline1 | underline2
	underlineShift = 8
	// penAttrs are the bits SGR sets; the others belong to the cell.
	penAttrs = Bold | Dim | Italic | Blink | Reverse | Invisible | Strike | Overline | UnderlineMask
)

// Underline styles, as SGR 4:n numbers them.
const (
	UnderlineNone = iota
	UnderlineSingle
	UnderlineDouble
	UnderlineCurly
	UnderlineDotted
	UnderlineDashed
)

// Underline returns the underline style (UnderlineNone...UnderlineDashed).
func (a Attr) Underline() int { return int(a&UnderlineMask) >> underlineShift }

func (a Attr) withUnderline(style int) Attr {
	return a&^UnderlineMask | Attr(style&7)<<underlineShift
}

// Cell is one cell of a row: 16 bytes. A rune of 0 is a blank that was
// erased (never written); it shows like a space. ext, when not zero, is
// 1 + the index of this cell's entry in its row's side table.
type Cell struct {
	r    rune
	fg   Color
	bg   Color
	attr Attr
	ext  uint16
}

// blank returns an erased cell in background colour bg.
func blank(bg Color) Cell { return Cell{bg: bg} }

func (c *Cell) isWide() bool { return c.attr&attrWide != 0 }
func (c *Cell) isCont() bool { return c.attr&attrWideCont != 0 }

// width returns how many columns the cell's character takes (0 for the
// second half of a wide character).
func (c *Cell) width() int {
	switch {
	case c.attr&attrWideCont != 0:
		return 0
	case c.attr&attrWide != 0:
		return 2
	}
	return 1
}

// isBlank reports whether the cell shows nothing but its background: no
// character, no attribute that draws on a blank (underline, reverse...),
// no side data.
func (c *Cell) isBlank() bool {
	return (c.r == 0 || c.r == ' ') && c.attr == 0 && c.ext == 0 && c.fg == 0
}

// cellExt is the rare data of a cell, kept in its row's side table.
type cellExt struct {
	ul      Color  // underline colour (SGR 58)
	textOff uint32 // the grapheme cluster in the row's arena, when textLen > 0
	textLen uint16
	link    string // OSC 8 hyperlink: "params;uri"; "" for none
}

// maxCluster bounds the bytes of one grapheme cluster; further combining
// marks are dropped (tmux keeps 21 bytes).
const maxCluster = 32

// appendRune appends the UTF-8 encoding of r (a space for 0).
func appendRune(dst []byte, r rune) []byte {
	if r < utf8.RuneSelf {
		if r == 0 {
			r = ' '
		}
		return append(dst, byte(r))
	}
	return utf8.AppendRune(dst, r)
}
