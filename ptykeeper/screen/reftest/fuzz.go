// fuzz.go is the differential fuzz target, shared by every model's tests:
// streams generated from fuzz input (gen.go), checked against tmux.

package reftest

import (
	"strconv"
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

// Fuzz runs the differential check on streams Generate makes from the fuzz
// input. Use it as a package's fuzz target:
//
//	func FuzzDifferential(f *testing.F) { reftest.Fuzz(f, newModel) }
//
// It needs tmux (and skips without it); in normal test runs it checks the
// seeds only. Run `go test -fuzz=FuzzDifferential` to search.
func Fuzz(f *testing.F, m ModelFactory) {
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
