// restore.go brings a terminal's settings to the model's, from what the
// painter knows of them (everything, when force is off and the terminal is
// known to be in a Frame's state; nothing but the prelude's resets, when
// force is on): saved cursor, scroll region, tab stops, origin mode, cursor
// position and pending wrap, cursor style, modes, charsets, pen, hyperlink,
// title stack and title, and cursor visibility last.

package screen

import "strconv"

// prepPrint makes printing land as the model has it: insert mode off,
// autowrap on, and ASCII in the invoked charset (cells hold Unicode).
func (p *painter) prepPrint() {
	t := &p.t
	if t.modes.has(mInsert) {
		p.dst = append(p.dst, "\x1b[4l"...)
		t.modes.set(mInsert, false)
	}
	if !t.modes.has(mAutowrap) {
		p.dst = append(p.dst, "\x1b[?7h"...)
		t.modes.set(mAutowrap, true)
	}
	if t.cs.g[t.cs.gl] != 'B' {
		want := t.cs
		want.g[want.gl] = 'B'
		p.dst = appendCharsets(p.dst, &t.cs, &want)
		t.cs = want
	}
}

// originOff leaves origin mode (which homes the cursor).
func (p *painter) originOff() {
	if p.t.modes.has(mOrigin) {
		p.dst = append(p.dst, "\x1b[?6l"...)
		p.t.modes.set(mOrigin, false)
		p.t.x, p.t.y = 0, 0
	}
}

// cursorTo moves to column x, row y (absolute), relative to the region if
// the terminal is in origin mode.
func (p *painter) cursorTo(x, y int) {
	t := &p.t
	if t.x == x && t.y == y {
		return
	}
	ry := y
	if t.modes.has(mOrigin) {
		ry -= t.top
	}
	p.dst = appendCUP(p.dst, x, ry)
	t.x, t.y = x, y
}

// cursorAboveRegion moves the cursor to column x (the last one if x is
// past it), row y above the scroll region, in origin mode, where no
// absolute move can go: DECSTBM puts the cursor on the top left corner
// (tmux, whose model this is), and relative moves go on from there.
func (p *painter) cursorAboveRegion(x, y int) {
	t := &p.t
	p.dst = appendRegion(p.dst, t.top, t.bottom)
	if y > 0 {
		p.dst = appendCSI1(p.dst, y, 'B')
	}
	x = min(x, p.cols-1)
	if r := p.s.g.row(y); x == p.cols-1 && p.s.x >= p.cols && x > 0 && r.cells[x].isCont() {
		x-- // the pending wrap follows a wide character: reprint starts there
	}
	if x > 0 {
		p.dst = appendCSI1(p.dst, x+1, 'G')
	}
	t.x, t.y = x, y
}

// reprint prints the last character of row y of g again, so that the wrap
// is pending after it, as it is in the model.
func (p *painter) reprint(g *grid, y int) {
	r := g.row(y)
	x := p.cols - 1
	if x > 0 && r.cells[x].isCont() {
		x--
	}
	p.cursorTo(x, y)
	c := &r.cells[x]
	e := r.extOf(c)
	pn := pen{fg: c.fg, bg: c.bg, ul: e.ul, attr: c.attr & penAttrs}
	p.setPen(&pn, e.link)
	p.dst = appendCellText(p.dst, r, c)
	p.t.x = p.cols
}

// emitSlot sets the terminal's DECSC slot to c.
func (p *painter) emitSlot(c *savedCursor) {
	t := &p.t
	p.prepPrint()
	p.originOff()
	if t.top != 0 || t.bottom != p.s.rows-1 {
		p.dst = append(p.dst, "\x1b[r"...)
		t.top, t.bottom = 0, p.s.rows-1
		t.x, t.y = 0, 0
	}
	if c.origin {
		p.dst = append(p.dst, "\x1b[?6h"...)
		t.modes.set(mOrigin, true)
		t.x, t.y = 0, 0
	}
	p.cursorTo(c.x, c.y)
	p.dst = appendCharsets(p.dst, &t.cs, &c.cs)
	t.cs = c.cs
	p.setPen(&c.pen, t.link)
	p.dst = append(p.dst, "\x1b7"...)
	t.saved = *c
}

// emitAltSlot sets what the terminal's switch to the alternate screen
// saves, by switching with 1049 at that position and pen; unless the
// alternate screen is to stay active, it switches back at once (which
// restores the same).
func (p *painter) emitAltSlot(c *altSlot, stay bool) {
	t := &p.t
	p.prepPrint()
	p.originOff()
	p.cursorTo(c.x, c.y)
	p.setPen(&c.pen, t.link)
	p.dst = append(p.dst, "\x1b[?1049h"...)
	if !stay {
		p.dst = append(p.dst, "\x1b[?1049l"...)
	}
	t.altSaved = *c
}

// restore emits the settings of the screen that differ from the
// terminal's (all of them with force).
func (p *painter) restore(force bool) {
	s, t := p.s, &p.t
	m := s.snapshotState()
	full := m.top == 0 && m.bottom == s.rows-1
	if !force && s.alt == nil && m.altSaved.valid && (!t.altSaved.valid || t.altSaved != m.altSaved) {
		p.emitAltSlot(&m.altSaved, false)
	}
	if force || t.saved != m.saved {
		p.emitSlot(&m.saved)
	}
	if (force && !full) || t.top != m.top || t.bottom != m.bottom {
		p.originOff()
		if full {
			p.dst = append(p.dst, "\x1b[r"...)
		} else {
			p.dst = appendRegion(p.dst, m.top, m.bottom)
		}
		t.top, t.bottom = m.top, m.bottom
		t.x, t.y = -1, -1
	}
	if force || t.tabs != m.tabs {
		p.dst = append(p.dst, "\x1b[3g"...)
		for x := 0; x < s.cols; x++ {
			if m.tabs.has(x) {
				p.dst = appendCSI1(p.dst, x+1, 'G')
				p.dst = append(p.dst, "\x1bH"...)
			}
		}
		t.tabs = m.tabs
		t.x = -1
	}
	if on := m.modes.has(mOrigin); force || t.modes.has(mOrigin) != on {
		p.dst = appendModes(p.dst, true, []uint16{6}, on)
		t.modes.set(mOrigin, on)
		t.x, t.y = -1, -1
	}
	if force || t.x != m.x || t.y != m.y {
		if m.x >= s.cols {
			p.prepPrint()
		}
		if m.modes.has(mOrigin) && m.y < m.top {
			p.cursorAboveRegion(m.x, m.y)
		}
		if m.x >= s.cols {
			p.reprint(s.g, m.y)
		} else {
			p.cursorTo(m.x, m.y)
		}
	}
	if force || t.cursorStyle != m.cursorStyle {
		p.dst = append(p.dst, "\x1b["...)
		p.dst = strconv.AppendInt(p.dst, int64(m.cursorStyle), 10)
		p.dst = append(p.dst, " q"...)
		t.cursorStyle = m.cursorStyle
		if m.cursorStyle > 0 {
			t.modes.set(mCursorBlink, m.cursorStyle%2 == 1)
		}
	}
	p.restoreModes(&m.modes, force)
	p.dst = appendCharsets(p.dst, &t.cs, &m.cs)
	t.cs = m.cs
	p.setPen(&m.pen, m.link)
	p.restoreTitles(&m, force)
	if on := m.modes.has(mCursorVisible); force || t.modes.has(mCursorVisible) != on {
		p.dst = appendModes(p.dst, true, []uint16{25}, on)
		t.modes.set(mCursorVisible, on)
	}
}

// restoreModes sets the modes that differ, resets before sets.
func (p *painter) restoreModes(m *modes, force bool) {
	t := &p.t
	var off, on [len(decModes)]uint16
	var noff, non int
	for _, d := range decModes {
		if d.bit == mOrigin || d.bit == mCursorVisible || d.bit == mKeypad {
			continue
		}
		if want := m.has(d.bit); force || t.modes.has(d.bit) != want {
			if want {
				on[non] = d.n
				non++
			} else {
				off[noff] = d.n
				noff++
			}
		}
	}
	var aoff, aon [len(ansiModes)]uint16
	var naoff, naon int
	for _, d := range ansiModes {
		if want := m.has(d.bit); force || t.modes.has(d.bit) != want {
			if want {
				aon[naon] = d.n
				naon++
			} else {
				aoff[naoff] = d.n
				naoff++
			}
		}
	}
	p.dst = appendModes(p.dst, true, off[:noff], false)
	p.dst = appendModes(p.dst, false, aoff[:naoff], false)
	if force || t.modes.mouse != m.mouse {
		if force {
			p.dst = append(p.dst, "\x1b[?9;1000;1001;1002;1003l"...)
		} else if t.modes.mouse != 0 {
			p.dst = appendModes(p.dst, true, []uint16{t.modes.mouse}, false)
		}
	}
	if force || t.modes.mouseEnc != m.mouseEnc {
		if force {
			p.dst = append(p.dst, "\x1b[?1005;1006;1015;1016l"...)
		} else if t.modes.mouseEnc != 0 {
			p.dst = appendModes(p.dst, true, []uint16{t.modes.mouseEnc}, false)
		}
	}
	p.dst = appendModes(p.dst, true, on[:non], true)
	p.dst = appendModes(p.dst, false, aon[:naon], true)
	if m.mouse != 0 && (force || t.modes.mouse != m.mouse) {
		p.dst = appendModes(p.dst, true, []uint16{m.mouse}, true)
	}
	if m.mouseEnc != 0 && (force || t.modes.mouseEnc != m.mouseEnc) {
		p.dst = appendModes(p.dst, true, []uint16{m.mouseEnc}, true)
	}
	if on := m.has(mKeypad); force || t.modes.has(mKeypad) != on {
		if on {
			p.dst = append(p.dst, "\x1b="...)
		} else {
			p.dst = append(p.dst, "\x1b>"...)
		}
	}
	if force || t.modes.modifyOtherKeys != m.modifyOtherKeys {
		p.dst = append(p.dst, "\x1b[>4;"...)
		p.dst = strconv.AppendInt(p.dst, int64(m.modifyOtherKeys), 10)
		p.dst = append(p.dst, 'm')
	}
	vis := t.modes.has(mCursorVisible)
	t.modes = *m
	t.modes.set(mCursorVisible, vis) // set last, by the caller
}

// restoreTitles rebuilds the title stack if it differs (popping what the
// terminal has), then sets the title.
func (p *painter) restoreTitles(m *termState, force bool) {
	t := &p.t
	stackDiffers := len(t.titleStack) != len(m.titleStack) || t.stackUnset != m.stackUnset
	for i := 0; !stackDiffers && i < len(m.titleStack); i++ {
		stackDiffers = string(t.titleStack[i]) != string(m.titleStack[i])
	}
	if stackDiffers || (force && len(m.titleStack) > 0) {
		if !force {
			// Back to the terminal's own title (and stack) first.
			for range t.titleStack {
				p.dst = append(p.dst, "\x1b[23;0t"...)
			}
		}
		for i, title := range m.titleStack {
			if i >= m.stackUnset { // the bottom ones push the terminal's own
				p.dst = appendTitle(p.dst, title)
			}
			p.dst = append(p.dst, "\x1b[22;0t"...)
		}
		t.titleStack, t.stackUnset = m.titleStack, m.stackUnset
		t.title, t.titleSet = nil, false
		force = true
	}
	if m.titleSet && (force || !t.titleSet || string(t.title) != string(m.title)) {
		p.dst = appendTitle(p.dst, m.title)
	}
	t.title, t.titleSet = m.title, m.titleSet
}
