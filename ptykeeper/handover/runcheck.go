// runcheck.go owns the dry run's other side: the new binary, started with
// CheckArg, decodes the state it was given on fd 3 and answers one line.

package handover

import (
	"fmt"
	"io"
	"os"
	"strings"
)

// CheckArg is the argument that makes a binary answer a dry run instead of
// doing its usual work; see RunCheck.
const CheckArg = "__ptykeeper_handover_check"

// checkFD is where the dry run finds the state: the first of ExtraFiles.
const checkFD = 3

// RunCheck answers a dry run, if this process is one: when os.Args[1] is
// CheckArg, it opens the state on fd 3, calls decode with it, prints "ok" or
// "error: <reason>" as one line on stdout and exits (0 after ok, 1 after
// error). Otherwise it returns at once. Call it first thing in main, before
// anything that prints, listens or notifies systemd. decode should do what
// the new image will do with the state short of acting on it: decode it and
// validate it. A panic in decode is answered as an error.
func RunCheck(decode func(*os.File) error) {
	if len(os.Args) < 2 || os.Args[1] != CheckArg {
		return
	}
	os.Exit(answerCheck(os.Stdout, decode))
}

func answerCheck(w io.Writer, decode func(*os.File) error) int {
	err := openAndDecode(decode)
	if err != nil {
		fmt.Fprintf(w, "error: %s\n", strings.Join(strings.Fields(err.Error()), " "))
		return 1
	}
	fmt.Fprintln(w, "ok")
	return 0
}

func openAndDecode(decode func(*os.File) error) (err error) {
	f, err := OpenStateFile(checkFD)
	if err != nil {
		return err
	}
	defer f.Close()
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic while decoding the state: %v", p)
		}
	}()
	return decode(f)
}
