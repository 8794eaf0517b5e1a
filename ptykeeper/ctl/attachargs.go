// attachargs.go parses attach's arguments. Attaching itself is the
// transports' job (a stream both ways); what the arguments mean is shared.

package ctl

import (
	"flag"
	"fmt"
	"io"
)

// AttachArgs are attach's parsed arguments.
type AttachArgs struct {
	Name       string
	ReadOnly   bool
	Detach     bool
	Scrollback int
	// DetachKey is --detach-key; nil when not given, and the transport's
	// own default applies (the config's detach_key over SSH).
	DetachKey *DetachKey
}

// ParseAttachArgs parses "[-r] [-d] [--scrollback N] [--detach-key K] NAME".
// Usage and flag errors are written to stderr.
func ParseAttachArgs(args []string, stderr io.Writer) (AttachArgs, error) {
	var a AttachArgs
	fs := flag.NewFlagSet("attach", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&a.ReadOnly, "r", false, "read-only: see the program, type nothing")
	fs.BoolVar(&a.Detach, "d", false, "detach every other client first")
	fs.IntVar(&a.Scrollback, "scrollback", 0, "write the last N lines of history first, into your terminal's scrollback")
	fs.Func("detach-key", "detach key: ^X style, a character, or none (default ^\\)", func(v string) error {
		k, err := ParseDetachKey(v)
		if err != nil {
			return err
		}
		a.DetachKey = &k
		return nil
	})
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: ptykeeper attach [-r] [-d] [--scrollback N] [--detach-key ^X] NAME")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return a, err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return a, &UsageError{"attach takes exactly one session name"}
	}
	a.Name = fs.Arg(0)
	return a, nil
}
