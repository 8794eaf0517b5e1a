package reftest

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(Main(m)) }

func TestXVTSuite(t *testing.T) {
	Suite{New: newXVT, StreamDir: "../testdata/streams"}.Run(t)
}
