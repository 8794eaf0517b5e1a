// grid.go owns one screen's rows: a ring, so that scrolling the whole
// screen moves an index and recycles the top row as the new bottom one,
// and scrolling a region moves row headers (pointers), never cells.

package screen

import "sync"

type grid struct {
	rows []row // physical ring; visible row y is rows[(top+y) % len(rows)]
	top  int
	cols int
}

// altGrids holds alternate screens programs left, for the next one to
// enter: less, man and vim enter and leave all the time, and a screen is
// 30 KiB at 80x24. A sync.Pool drops them at garbage collection, so an idle
// session holds none.
var altGrids sync.Pool

// getGrid returns a blank grid, from altGrids if one of the size is there.
func getGrid(cols, rows int) *grid {
	if g, ok := altGrids.Get().(*grid); ok && g.cols == cols && g.height() == rows {
		g.top = 0
		g.clear(0)
		return g
	}
	return newGrid(cols, rows)
}

func putGrid(g *grid) {
	for i := range g.rows {
		g.rows[i].side = nil // hold no hyperlink strings
	}
	altGrids.Put(g)
}

// newGrid returns a blank grid. Each row's cells are allocated apart: at
// 80 columns that is exactly a size class of Go's allocator, where one
// slab of 30 KiB would take 32.
func newGrid(cols, rows int) *grid {
	g := &grid{cols: cols, rows: make([]row, rows)}
	for i := range g.rows {
		g.rows[i].cells = make([]Cell, cols)
	}
	return g
}

func (g *grid) height() int { return len(g.rows) }

// row returns visible row y (0 <= y < height).
func (g *grid) row(y int) *row {
	i := g.top + y
	if i >= len(g.rows) {
		i -= len(g.rows)
	}
	return &g.rows[i]
}

func (g *grid) clear(bg Color) {
	for i := range g.rows {
		g.rows[i].clear(bg)
	}
}

// scrollUp moves rows [top, bottom] up by n; n rows enter blank in bg at
// the bottom.
func (g *grid) scrollUp(top, bottom, n int, bg Color) {
	h := bottom - top + 1
	if n <= 0 || top < 0 || bottom >= len(g.rows) || h <= 0 {
		return
	}
	if n >= h {
		g.clearRows(top, bottom, bg)
		return
	}
	if top == 0 && bottom == len(g.rows)-1 {
		for i := 0; i < n; i++ {
			g.rows[g.top].clear(bg)
			g.top++
			if g.top == len(g.rows) {
				g.top = 0
			}
		}
		return
	}
	g.rotate(top, bottom, n)
	g.clearRows(bottom-n+1, bottom, bg)
}

// scrollDown moves rows [top, bottom] down by n; n rows enter blank in bg
// at the top.
func (g *grid) scrollDown(top, bottom, n int, bg Color) {
	h := bottom - top + 1
	if n <= 0 || top < 0 || bottom >= len(g.rows) || h <= 0 {
		return
	}
	if n >= h {
		g.clearRows(top, bottom, bg)
		return
	}
	if top == 0 && bottom == len(g.rows)-1 {
		for i := 0; i < n; i++ {
			g.top--
			if g.top < 0 {
				g.top = len(g.rows) - 1
			}
			g.rows[g.top].clear(bg)
		}
		return
	}
	g.rotate(top, bottom, h-n)
	g.clearRows(top, top+n-1, bg)
}

func (g *grid) clearRows(from, to int, bg Color) {
	for y := from; y <= to; y++ {
		g.row(y).clear(bg)
	}
}

// rotate rotates visible rows [top, bottom] left by k (row top+k becomes
// row top), by three reversals of the row headers.
func (g *grid) rotate(top, bottom, k int) {
	g.reverse(top, top+k-1)
	g.reverse(top+k, bottom)
	g.reverse(top, bottom)
}

func (g *grid) reverse(a, b int) {
	for a < b {
		ra, rb := g.row(a), g.row(b)
		*ra, *rb = *rb, *ra
		a++
		b--
	}
}

// resized returns a grid of the new size holding this one's rows from
// firstRow on, top-left aligned, cut or padded with blanks.
func (g *grid) resized(cols, rows, firstRow int) *grid {
	n := newGrid(cols, rows)
	for y := 0; y < rows && firstRow+y < len(g.rows); y++ {
		if firstRow+y < 0 {
			continue
		}
		src, dst := g.row(firstRow+y), n.row(y)
		copy(dst.cells, src.cells)
		dst.used = int32(min(int(src.used), cols))
		if src.side != nil {
			sd := dst.sideTable()
			sd.ext = append(sd.ext, src.side.ext...)
			sd.arena = append(sd.arena, src.side.arena...)
		}
		dst.wrapped = src.wrapped && cols == g.cols
		if cols < g.cols {
			dst.repairWide() // a wide character cut at the new edge
		}
	}
	return n
}
