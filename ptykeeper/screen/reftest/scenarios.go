// scenarios.go lists the recorded streams of testdata/streams: one scenario
// per file, with the generator scripts and texts they use. Keep it in step
// with testdata/streams/README.md; cmd/record re-makes the files.

package reftest

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Scenarios returns the recordings of testdata/streams.
func Scenarios() []Scenario {
	return []Scenario{
		{
			Name: "plain",
			Cmd:  "for i in 1 2 3 4 5 6; do cat /usr/share/common-licenses/GPL-3; done; seq 1 20000",
		},
		{
			Name:  "colourlog",
			Setup: writeFile("log.awk", colourLogAwk),
			Cmd:   "awk -f log.awk",
		},
		{
			Name:  "truecolor",
			Setup: writeFile("grad.awk", truecolorAwk),
			Cmd:   "awk -f grad.awk",
		},
		{
			Name:  "cjk",
			Setup: writeFile("cjk.txt", cjkText),
			Cmd:   `awk 'BEGIN { while ((getline l < "cjk.txt") > 0) a[n++] = l; for (r = 0; r < 24; r++) for (i = 0; i < n; i++) printf "%*s%s\n", r % 5, "", a[i] }'`,
		},
		{
			Name:  "bash",
			Setup: writeFile("bashrc", "PS1='"+colourPrompt+"'\n"),
			Cmd:   "exec bash --noprofile --rcfile bashrc -i",
			Steps: []Step{
				WaitFor("host:~$"), Mark("prompt"),
				Typed("echo hello, world"), Keys("Enter"), WaitFor("hello, world\n"),
				Typed("ls --color=always -l /usr/share/common-licenses"), Keys("Enter"), WaitFor("MPL-2.0"),
				Typed(`printf '\e[1;31mred\e[0m \e[4munderlined\e[0m \e[7mreverse\e[0m\n'`), Keys("Enter"),
				Typed("ehco typo"), Keys("BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace", "BSpace"),
				Typed("echo fixed"), Keys("Enter"), WaitFor("fixed\n"), Mark("after-typo"),
				Keys("Up"), Keys("C-a"), Typed("# "), Keys("End"), Typed(" again"), Keys("Enter"),
				Typed("cd /usr/share"), Keys("Enter"), WaitFor("/usr/share$"),
				Typed("ls common-l"), Keys("Tab"), Pause(200 * time.Millisecond), Keys("Enter"),
				Typed("seq 1 40"), Keys("Enter"), WaitFor("\n40\n"),
				Typed("echo 中文 ünïcödé"), Keys("Enter"),
				Typed("tput cols; tput lines"), Keys("Enter"), WaitFor("24\n"), Mark("before-exit"),
				Typed("exit"), Keys("Enter"),
			},
		},
		{
			Name:  "vim",
			Setup: copyFile("/usr/local/go/src/fmt/print.go", "print.go"),
			Cmd:   "printf 'before vim\\n'; ls --color=always -l /usr/share/common-licenses; exec vim --clean -n print.go",
			Steps: []Step{
				WaitFor("print.go"), Pause(300 * time.Millisecond), Mark("opened"),
				Keys("2", "0", "j"), Keys("}"), Keys("}"), Keys("}"),
				Typed("/Fprintf"), Keys("Enter"), Keys("n"),
				Keys("o"), Typed("// typed in vim: 日本語 too"), Keys("Escape"), Mark("edited"),
				Typed(":split"), Keys("Enter"), Keys("C-w", "j"), Keys("G"), Keys("C-w", "k"), Mark("split"),
				Typed(":q"), Keys("Enter"),
				Keys("d", "d"), Keys("u"),
				Typed(":set number"), Keys("Enter"),
				Keys("C-f"), Keys("C-f"), Keys("C-b"), Keys("g", "g"), Mark("vim-open"),
				Typed(":q!"), Keys("Enter"),
			},
		},
		{
			Name: "htop",
			Cmd:  "printf 'before htop\\n'; exec htop -d 3",
			Steps: []Step{
				WaitFor("PID"), Pause(3 * time.Second), Mark("running"),
				Keys("t"), Pause(2 * time.Second), Mark("tree"),
				Keys("q"),
			},
		},
		{
			Name:  "less",
			Setup: writeFile("log.awk", colourLogAwk),
			Cmd:   "awk -f log.awk | head -600 > log.txt; printf 'before less\\n'; exec less -R log.txt",
			Steps: []Step{
				WaitFor("log.txt"), Mark("opened"),
				Keys("Space"), Keys("Space"), Keys("Space"), Mark("paged"), Keys("b"),
				Typed("/ERROR"), Keys("Enter"), Keys("n"), Keys("n"), Mark("searched"),
				Keys("G"), Keys("g"), Mark("less-open"),
				Keys("q"),
			},
		},
		{
			Name:  "nano",
			Setup: headFile("/usr/share/common-licenses/GPL-3", "notes.txt", 60),
			Cmd:   "printf 'before nano\\n'; exec nano --ignorercfiles notes.txt",
			Steps: []Step{
				WaitFor("GNU nano"), Mark("opened"),
				Keys("Down", "Down", "Down", "Down", "Down"), Keys("End"), Typed(" appended text"), Keys("Enter"),
				Typed("a new line: 中文 ok"), Keys("C-k"), Keys("Up"), Keys("C-u"), Mark("edited"),
				Keys("C-w"), Typed("Foundation"), Keys("Enter"),
				Keys("C-v"), Mark("nano-open"),
				Keys("C-x"), WaitFor("Save modified"), Keys("n"),
			},
		},
		{
			// LANG=C: mc draws its frames with the DEC line-drawing charset.
			Name: "mc",
			Lang: "C",
			Setup: func(dir string) error {
				if err := copyFile("/usr/local/go/src/fmt/print.go", "print.go")(dir); err != nil {
					return err
				}
				return headFile("/usr/share/common-licenses/GPL-3", "notes.txt", 200)(dir)
			},
			Cmd: "printf 'before mc\\n'; exec mc -u",
			Steps: []Step{
				WaitFor("Left"), Pause(300 * time.Millisecond), Mark("opened"),
				Keys("Tab"), Keys("Down"), Keys("Tab"), Mark("moved"),
				// mc made .cache, .config and .local first: notes.txt is 5th.
				Keys("Down"), Keys("Down"), Keys("Down"), Keys("Down"),
				Keys("F3"), WaitFor("notes.txt"), Keys("NPage"), Mark("viewer"), Keys("F3"),
				WaitFor("print.go"), Mark("mc-open"),
				Keys("F10"),
			},
		},
		vttest("1"), // cursor movements, incl. DECALN
		vttest("2"), // screen features
		vttest("3"), // character sets
		vttest("8"), // VT102 insert/delete char/line
	}
}

// vttest walks one of vttest's top-level menus, marking each screen where
// it waits for Return.
func vttest(menu string) Scenario {
	return Scenario{
		Name: "vttest-" + menu,
		Cmd:  "exec vttest",
		Steps: []Step{
			WaitFor("Enter choice number"), Mark("menu"),
			Keys(menu, "Enter"),
			EnterUntil("screen-", "Enter choice number"),
			Keys("0", "Enter"),
		},
	}
}

// colourPrompt is the bash prompt of the bash scenario (a literal '$': the
// recorder may run as root).
const colourPrompt = `\[\e[1;32m\]user@host\[\e[0m\]:\[\e[1;34m\]\w\[\e[0m\]$ `

func writeFile(name, text string) func(dir string) error {
	return func(dir string) error {
		return os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644)
	}
}

func copyFile(src, name string) func(dir string) error {
	return func(dir string) error {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
}

func headFile(src, name string, lines int) func(dir string) error {
	return func(dir string) error {
		b, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		ls := strings.SplitAfter(string(b), "\n")
		return os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(ls[:min(lines, len(ls))], "")), 0o644)
	}
}

// colourLogAwk prints 3,000 log lines in 256 colours with bold, italic,
// underline and reverse: an SGR-heavy stream.
const colourLogAwk = `BEGIN {
	srand(7)
	split("INFO WARN ERROR DEBUG TRACE", lv, " ")
	split("34 214 196 245 99", lc, " ")
	split("http db cache auth queue sched", comp, " ")
	split("GET POST PUT DELETE", meth, " ")
	for (i = 0; i < 3000; i++) {
		l = int(rand() * 5) + 1
		st = (rand() < 0.8) ? 200 : ((rand() < 0.5) ? 404 : 503)
		sc = (st >= 500) ? 196 : ((st >= 400) ? 214 : 34)
		printf "\033[38;5;245m2026-11-30T10:%02d:%02d.%03dZ\033[0m ", int(i / 600) % 60, int(i / 10) % 60, (i * 37) % 1000
		printf "\033[1;38;5;%sm%-5s\033[0m ", lc[l], lv[l]
		printf "\033[48;5;236;38;5;%dm%-6s\033[0m ", 17 + (i * 7) % 214, comp[int(rand() * 6) + 1]
		printf "%s \033[4;38;5;81m/api/v1/items/%d\033[0m ", meth[int(rand() * 4) + 1], int(rand() * 100000)
		printf "status=\033[38;5;%dm%d\033[0m dur=\033[3m%.1fms\033[0m", sc, st, rand() * 250
		if (l == 3)
			printf " \033[7;31m stack \033[0m"
		printf "\n"
	}
}
`

// truecolorAwk prints 120 lines of 80 cells, each with a 24-bit background
// and the complementary 24-bit foreground. Every line fills the last column,
// so the newline after it meets a pending wrap.
const truecolorAwk = `BEGIN {
	s = "/\\"
	for (line = 0; line < 120; line++) {
		for (col = 0; col < 80; col++) {
			r = int(255 - col * 255 / 79); g = int(col * 510 / 79); if (g > 255) g = 510 - g
			b = int(col * 255 / 79)
			r = (r + line * 7) % 256; g = (g + line * 3) % 256; b = (b + line * 5) % 256
			printf "\033[48;2;%d;%d;%dm\033[38;2;%d;%d;%dm%s", r, g, b, 255 - r, 255 - g, 255 - b, substr(s, col % 2 + 1, 1)
		}
		printf "\033[0m\n"
	}
}
`

// cjkText mixes wide characters (CJK, fullwidth forms, emoji), combining
// marks, emoji with modifiers and ZWJ sequences, and lines that put a wide
// character at the right margin.
const cjkText = `日本語のテキスト：吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所でニャーニャー泣いていた事だけは記憶している。
中文字符测试：天地玄黄，宇宙洪荒。日月盈昃，辰宿列张。寒来暑往，秋收冬藏。闰余成岁，律吕调阳。
한국어 텍스트: 다람쥐 헌 쳇바퀴에 타고파. 키스의 고유조건은 입술끼리 만나야 하고 특별한 기술은 필요치 않다.
Emoji: 😀 😃 😄 😁 🎉 🚀 ✨ ❤️ 👍 👍🏽 🇯🇵 🇩🇪 👩‍💻 👨‍👩‍👧‍👦 🏳️‍🌈 ☕ ⌚ 🧑🏿‍🚀
Combining: é à ö ñ x̲y̲z̲ Z̵̡ q̃ a͜b ǹ ḿ — precomposed: é à ö ñ
Tiếng Việt: Xin chào thế giới, tôi yêu tiếng Việt. Ελληνικά: Καλημέρα κόσμε. Русский: Съешь же ещё этих мягких французских булок.
ＦＵＬＬＷＩＤＴＨ　ｔｅｘｔ　ａｎｄ　ﾊﾝｶｸ ｶﾀｶﾅ half-width katakana
xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx中 wide at the margin
xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx中文 one column before
Box: ┌──┬──┐ │ab│cd│ ├──┼──┤ └──┴──┘ ═║╔╗╚╝ ░▒▓█ ▲►▼◄
Mixed: a中b文c字d 1２3４5 ｘyｚ “quotes” ‘single’ … • → ← ↑ ↓ ∀∂∈ℝ∞
`
