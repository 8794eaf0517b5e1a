// keys.go parses key names: the detach key (^\ style) and the key names of
// 'send' (tmux send-keys style).

package attach

import (
	"bytes"
	"fmt"
	"strings"
)

// DefaultDetachKey is Ctrl-\, as in dtach and abduco.
const DefaultDetachKey = `^\`

// ParseDetachKey parses "^X" (Ctrl-X), "^?" (DEL), a single character, or
// "none". It returns -1 for none.
func ParseDetachKey(s string) (int, error) {
	switch {
	case s == "none":
		return -1, nil
	case len(s) == 2 && s[0] == '^':
		c := s[1]
		if c == '?' {
			return 0x7f, nil
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c >= '@' && c <= '_' {
			return int(c - '@'), nil
		}
	case len(s) == 1:
		return int(s[0]), nil
	}
	return 0, fmt.Errorf("detach key %q: want ^X (Ctrl-X), a single character, or none", s)
}

// SplitDetach looks for the detach key (-1: none) in p: it returns the
// bytes before it and whether it was there.
func SplitDetach(p []byte, key int) ([]byte, bool) {
	if key < 0 {
		return p, false
	}
	if i := bytes.IndexByte(p, byte(key)); i >= 0 {
		return p[:i], true
	}
	return p, false
}

var namedKeys = map[string]string{
	"Enter": "\r", "Tab": "\t", "Escape": "\x1b", "Esc": "\x1b", "Space": " ",
	"BSpace": "\x7f", "Backspace": "\x7f",
	"Up": "\x1b[A", "Down": "\x1b[B", "Right": "\x1b[C", "Left": "\x1b[D",
	"Home": "\x1b[H", "End": "\x1b[F", "PageUp": "\x1b[5~", "PageDown": "\x1b[6~",
	"PPage": "\x1b[5~", "NPage": "\x1b[6~", "Delete": "\x1b[3~", "Insert": "\x1b[2~",
	"F1": "\x1bOP", "F2": "\x1bOQ", "F3": "\x1bOR", "F4": "\x1bOS",
}

// KeysToBytes turns send's arguments into bytes: named keys (Enter, Up,
// C-c, M-x, ...) become their sequences, anything else is literal text.
// With literal, every argument is text.
func KeysToBytes(args []string, literal bool) []byte {
	var b []byte
	for _, a := range args {
		if literal {
			b = append(b, a...)
			continue
		}
		if s, ok := namedKeys[a]; ok {
			b = append(b, s...)
			continue
		}
		if len(a) == 3 && (strings.HasPrefix(a, "C-") || strings.HasPrefix(a, "^-")) {
			c := a[2]
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c >= '@' && c <= '_' {
				b = append(b, c-'@')
				continue
			}
		}
		if len(a) > 2 && strings.HasPrefix(a, "M-") {
			b = append(b, 0x1b)
			b = append(b, KeysToBytes([]string{a[2:]}, false)...)
			continue
		}
		b = append(b, a...)
	}
	return b
}
