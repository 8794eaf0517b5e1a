package ptykeeper

import (
	"fmt"
	"strconv"
	"strings"
)

// Size is a terminal window size in character cells.
type Size struct {
	Cols, Rows int
}

// Limits on window sizes. Anything outside is clamped: a client that reports
// 0x0 (a pipe pretending to be a terminal) or 100000 columns must not make the
// screen model allocate gigabytes.
const (
	MinCols, MinRows = 2, 1
	MaxCols, MaxRows = 1000, 500
)

// DefaultSize is the window size of a session nobody has attached to yet.
var DefaultSize = Size{Cols: 80, Rows: 24}

// Clamp returns s limited to the supported range.
func (s Size) Clamp() Size {
	s.Cols = min(max(s.Cols, MinCols), MaxCols)
	s.Rows = min(max(s.Rows, MinRows), MaxRows)
	return s
}

func (s Size) String() string { return fmt.Sprintf("%dx%d", s.Cols, s.Rows) }

// ParseSize parses "COLSxROWS", for example "120x40".
func ParseSize(v string) (Size, error) {
	c, r, ok := strings.Cut(strings.ToLower(strings.TrimSpace(v)), "x")
	if !ok {
		return Size{}, fmt.Errorf("size %q: want COLSxROWS, for example 120x40", v)
	}
	cols, err1 := strconv.Atoi(c)
	rows, err2 := strconv.Atoi(r)
	if err1 != nil || err2 != nil || cols <= 0 || rows <= 0 {
		return Size{}, fmt.Errorf("size %q: want positive COLSxROWS, for example 120x40", v)
	}
	return Size{Cols: cols, Rows: rows}.Clamp(), nil
}

// SizePolicy decides the PTY size when several clients are attached.
type SizePolicy string

// Size policies.
const (
	SizeLatest   SizePolicy = "latest"   // the client that attached or typed last
	SizeSmallest SizePolicy = "smallest" // fits every client, like tmux's default
	SizeLargest  SizePolicy = "largest"
)

// ParseSizePolicy checks a policy name.
func ParseSizePolicy(v string) (SizePolicy, error) {
	switch p := SizePolicy(v); p {
	case SizeLatest, SizeSmallest, SizeLargest:
		return p, nil
	case "":
		return SizeLatest, nil
	}
	return "", fmt.Errorf("size policy %q: want latest, smallest or largest", v)
}
