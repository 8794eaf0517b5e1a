package ptykeeper

import (
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestSplitCommand(t *testing.T) {
	for in, want := range map[string][]string{
		`earthquake`:                {"earthquake"},
		`  irssi   -c  irc.libera `: {"irssi", "-c", "irc.libera"},
		`sh -c 'echo "$HOME" | wc'`: {"sh", "-c", `echo "$HOME" | wc`},
		`echo "a \"b\" \\ c\$"`:     {"echo", `a "b" \ c$`},
		`a\ b c`:                    {"a b", "c"},
		`x''y ""`:                   {"xy", ""},
	} {
		got, err := SplitCommand(in)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{``, `   `, `'open`, `"open`} {
		if _, err := SplitCommand(bad); err == nil {
			t.Errorf("SplitCommand(%q) accepted", bad)
		}
	}
}

// FuzzSplitCommand checks the splitter against the real shell's word
// splitting for inputs without expansions.
func FuzzSplitCommand(f *testing.F) {
	for _, s := range []string{`a b`, `'a b' "c d"`, `a\ b`, `"a\"b"`, `x''y`, `"\\$"`} {
		f.Add(s)
	}
	sh, err := exec.LookPath("sh")
	f.Fuzz(func(t *testing.T, s string) {
		got, err1 := SplitCommand(s)
		if err1 != nil || err != nil || strings.ContainsAny(s, "$`|&;<>()*?[]#~=%{}!\x00\n") {
			return
		}
		out, err2 := exec.Command(sh, "-c", `for a in `+s+`; do printf '%s\0' "$a"; done`).Output()
		if err2 != nil {
			return
		}
		var want []string
		for _, w := range strings.Split(string(out), "\x00") {
			want = append(want, w)
		}
		want = want[:len(want)-1]
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("SplitCommand(%q) = %q, sh says %q", s, got, want)
		}
	})
}
