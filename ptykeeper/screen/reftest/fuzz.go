// fuzz.go is the differential fuzz target, shared by every model's tests:
// streams generated from fuzz input (gen.go), checked against tmux.

package reftest

import (
	"embed"
	"fmt"
	"path"
	"strconv"
	"strings"
	"testing"
)

// Fuzz sizes: small, so that generated streams reach the margins, wrap and
// scroll often.
const FuzzCols, FuzzRows = 20, 6

// fuzzSeeds start every fuzz target, besides the corpus committed under
// the package's testdata/fuzz/FuzzDifferential.
var fuzzSeeds = [][]byte{
	[]byte("\x00\x01\x02\x03"),
	[]byte("\x06\x20\x07\x01\x00\x05\x10"),
	[]byte("\x08\x30\x40\x0c\x00\x01\x02\x0f\x05\x06"),
	[]byte("\x0d\x10\x80\x01\x03\x0f\x01\x02\x07\x03"),
}

// found holds fuzz inputs (in the go test fuzz v1 format) whose streams
// today's x/vt-based model repaints wrongly: tab stops, DECALN, wide
// characters at the margin, combining marks, character sets, the cursor on
// entering the alternate screen, SCP/RCP. Every model is checked on them.
//
//go:embed testdata/found
var found embed.FS

// FoundSeeds returns the inputs in testdata/found.
func FoundSeeds() ([][]byte, error) {
	ents, err := found.ReadDir("testdata/found")
	if err != nil {
		return nil, fmt.Errorf("fuzz seeds: %w", err)
	}
	var out [][]byte
	for _, e := range ents {
		name := path.Join("testdata/found", e.Name())
		b, err := found.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("fuzz seeds: %w", err)
		}
		in, err := parseCorpusFile(string(b))
		if err != nil {
			return nil, fmt.Errorf("fuzz seeds: %s: %w", name, err)
		}
		out = append(out, in)
	}
	return out, nil
}

// parseCorpusFile reads a one-value go test fuzz v1 file holding a []byte.
func parseCorpusFile(s string) ([]byte, error) {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
		!strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
		return nil, fmt.Errorf("want \"go test fuzz v1\" and one []byte(...) line")
	}
	v, err := strconv.Unquote(lines[1][len("[]byte(") : len(lines[1])-1])
	return []byte(v), err
}

// Fuzz runs the differential check on streams Generate makes from the fuzz
// input, seeded with FoundSeeds. Use it as a package's fuzz target:
//
//	func FuzzDifferential(f *testing.F) { reftest.Fuzz(f, newModel) }
//
// It needs tmux (and skips without it); in normal test runs it checks the
// seeds only. Run `go test -fuzz=FuzzDifferential` to search.
func Fuzz(f *testing.F, m ModelFactory) {
	seeds, err := FoundSeeds()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	fuzz(f, m)
}

// fuzz is Fuzz without the found seeds (which x/vt fails).
func fuzz(f *testing.F, m ModelFactory) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		stream := Generate(in, FuzzCols, FuzzRows)
		Check(t, m, "generated stream "+quoteShort(stream), stream, FuzzCols, FuzzRows)
	})
}

// quoteShort quotes a stream for a failure message, cut to a readable
// length.
func quoteShort(p []byte) string {
	const max = 400
	if len(p) > max {
		return strconv.Quote(string(p[:max])) + "..."
	}
	return strconv.Quote(string(p))
}
