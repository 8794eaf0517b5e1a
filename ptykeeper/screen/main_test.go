package screen

import (
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper/screen/reftest"
	"go.uber.org/goleak"
)

// The package starts no goroutines; BenchmarkXVT starts one per stream
// (x/vt's reply reader) and must stop it. reftest.Main stops the tmux
// server the conformance tests share.
func TestMain(m *testing.M) { goleak.VerifyTestMain(reftest.Main(m)) }
