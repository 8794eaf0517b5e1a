// locate.go finds the line of a key in TOML text, for error messages.

package config

import (
	"regexp"
	"strings"
)

// locator finds the line of a key in TOML text: the [table] header, then
// the key's assignment inside it. Good enough for messages; 0 if not found.
type locator struct{ lines []string }

func newLocator(text string) locator { return locator{strings.Split(text, "\n")} }

var headerRE = regexp.MustCompile(`^\s*\[\s*([^\]]+?)\s*\]`)

func (l locator) find(key []string) int {
	// The longest table prefix with a header wins, e.g. [session.irc].
	for cut := len(key); cut >= 0; cut-- {
		table := strings.Join(key[:cut], ".")
		start := 0
		if cut > 0 {
			start = -1
			for i, ln := range l.lines {
				if m := headerRE.FindStringSubmatch(ln); m != nil && normalize(m[1]) == table {
					start = i
					break
				}
			}
			if start < 0 {
				continue
			}
		}
		if cut == len(key) {
			return start + 1
		}
		field := key[cut]
		for i := start; i < len(l.lines); i++ {
			ln := l.lines[i]
			if i > start && headerRE.MatchString(ln) && cut > 0 {
				break
			}
			t := strings.TrimSpace(ln)
			if strings.HasPrefix(t, field) && strings.HasPrefix(strings.TrimSpace(t[len(field):]), "=") {
				return i + 1
			}
			if strings.HasPrefix(t, field+".") {
				return i + 1
			}
		}
		return start + 1
	}
	return 0
}

func normalize(h string) string {
	parts := strings.Split(h, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

var arrayHeaderRE = regexp.MustCompile(`^\s*\[\[\s*([^\]]+?)\s*\]\]`)

// findArray finds field inside the n-th [[table]] of an array of tables
// (its header line if the field is not written there); 0 if not found.
func (l locator) findArray(table []string, n int, field string) int {
	name := strings.Join(table, ".")
	seen := -1
	for i, ln := range l.lines {
		m := arrayHeaderRE.FindStringSubmatch(ln)
		if m == nil || normalize(m[1]) != name {
			continue
		}
		if seen++; seen != n {
			continue
		}
		for j := i + 1; j < len(l.lines) && !headerRE.MatchString(l.lines[j]); j++ {
			t := strings.TrimSpace(l.lines[j])
			if strings.HasPrefix(t, field) && strings.HasPrefix(strings.TrimSpace(t[len(field):]), "=") {
				return j + 1
			}
		}
		return i + 1
	}
	return 0
}

// findArrayField finds the first line that sets field inside any [[table]]
// of an array of tables; 0 if none does.
func (l locator) findArrayField(table []string, field string) int {
	for n := 0; ; n++ {
		line := l.findArray(table, n, field)
		if line == 0 {
			return 0
		}
		if !arrayHeaderRE.MatchString(l.lines[line-1]) {
			return line
		}
	}
}
