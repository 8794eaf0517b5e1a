package handover_test

import (
	"errors"
	"os"
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
	"go.uber.org/goleak"
)

// TestMain is also the main of the helper programs the tests run: the dry
// run (RunCheck, first thing, as a daemon's main would) and the images that
// exec themselves (runHelper).
func TestMain(m *testing.M) {
	handover.RunCheck(checkState)
	runHelper()
	// A binary built with -race sleeps a second before exiting (GORACE's
	// atexit_sleep_ms): the dry runs and helpers are this binary again.
	if os.Getenv("GORACE") == "" {
		os.Setenv("GORACE", "atexit_sleep_ms=0")
	}
	goleak.VerifyTestMain(m)
}

// testFormat is the format of helperState: this "binary" writes version 2
// and still reads version 1.
var testFormat = handover.Format{Version: 2, Oldest: 1}

// helperState is the state the helper programs hand over.
type helperState struct {
	Round int
	Pid   int // the pid of the image that wrote it
	Child int // the program under the PTY
	// fd numbers
	PTY, Unix, TCP, Conn, Peer, Lock int
	UnixPath, TCPAddr                string
	Ring                             []byte `json:",omitempty"`
}

// checkState is the dry run's decode: decode and validate. Round -1 makes it
// panic, so tests can see a panic answered as an error.
func checkState(f *os.File) error {
	var st helperState
	if err := testFormat.Decode(f, &st); err != nil {
		return err
	}
	if st.Round == -1 {
		panic("round -1")
	}
	if st.Pid <= 0 {
		return errors.New("state names no pid")
	}
	return nil
}
