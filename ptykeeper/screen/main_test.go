package screen

import (
	"testing"

	"go.uber.org/goleak"
)

// The package starts no goroutines; BenchmarkXVT starts one per stream
// (x/vt's reply reader) and must stop it.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
