package ptykeeper

import "fmt"

// MaxNameLen bounds session names; they become file and directory names.
const MaxNameLen = 64

// ValidateName reports whether name may name a session: only
// [A-Za-z0-9._-], 1 to 64 bytes, and never "." or "..".
func ValidateName(name string) error {
	if name == "" {
		return fmt.Errorf("session name is empty")
	}
	if len(name) > MaxNameLen {
		return fmt.Errorf("session name %.20q...: longer than %d bytes", name, MaxNameLen)
	}
	if name == "." || name == ".." {
		return fmt.Errorf("session name %q is not allowed", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("session name %q: character %q not allowed (use A-Z a-z 0-9 . _ -)", name, c)
		}
	}
	return nil
}
