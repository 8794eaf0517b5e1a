// keys.go parses key names: the detach key (^\ style) and the key names of
// 'send' (tmux send-keys style).

package ctl

import (
	"bytes"
	"fmt"
	"strings"
)

// DetachKey is the byte that detaches a client from a session, or none.
// The zero value is the default, Ctrl-\ (as in dtach and abduco): a
// DetachKey that nobody set never means NUL.
type DetachKey struct {
	code uint16 // 0: the default; noDetach: none; else the byte + 1
}

const noDetach = 0xffff

// NoDetachKey detaches on no key at all (only ~. or closing the client).
var NoDetachKey = DetachKey{noDetach}

// DefaultDetachKey is Ctrl-\.
var DefaultDetachKey = DetachKey{}

const defaultDetachByte = 0x1c // Ctrl-\

// MarshalText writes the key as ParseDetachKey reads it (the daemon's state
// carries it across an upgrade).
func (k DetachKey) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (k *DetachKey) UnmarshalText(b []byte) error {
	v, err := ParseDetachKey(string(b))
	if err != nil {
		return err
	}
	*k = v
	return nil
}

// Byte returns the detach byte, and false for none.
func (k DetachKey) Byte() (byte, bool) {
	switch k.code {
	case 0:
		return defaultDetachByte, true
	case noDetach:
		return 0, false
	}
	return byte(k.code - 1), true
}

// String is the key as ParseDetachKey reads it: "^\\", "^X", "q" or "none".
func (k DetachKey) String() string {
	b, ok := k.Byte()
	switch {
	case !ok:
		return "none"
	case b == 0x7f:
		return "^?"
	case b < 0x20:
		return "^" + string(rune(b+'@'))
	}
	return string(rune(b))
}

// ParseDetachKey parses "^X" (Ctrl-X), "^?" (DEL), a single character, or
// "none". "^@" (NUL, which Ctrl-Space and Ctrl-@ also send) is refused.
func ParseDetachKey(s string) (DetachKey, error) {
	switch {
	case s == "none":
		return NoDetachKey, nil
	case len(s) == 2 && s[0] == '^':
		c := s[1]
		if c == '?' {
			return detachByte(0x7f), nil
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c > '@' && c <= '_' {
			return detachByte(c - '@'), nil
		}
	case len(s) == 1 && s[0] != 0:
		return detachByte(s[0]), nil
	}
	return DetachKey{}, fmt.Errorf("detach key %q: want ^X (Ctrl-X), a single character, or none", s)
}

// detachByte makes the key for b; Ctrl-\ is the zero value, so that equal
// keys compare equal.
func detachByte(b byte) DetachKey {
	if b == defaultDetachByte {
		return DefaultDetachKey
	}
	return DetachKey{uint16(b) + 1}
}

// SplitDetach looks for the detach key in p: it returns the bytes before it
// and whether it was there.
func SplitDetach(p []byte, key DetachKey) ([]byte, bool) {
	b, ok := key.Byte()
	if !ok {
		return p, false
	}
	if i := bytes.IndexByte(p, b); i >= 0 {
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
