// Command record re-makes the recorded terminal streams in
// ptykeeper/screen/testdata/streams (reftest.Scenarios): each program runs
// in a private tmux server (so a real terminal answers its queries), in an
// 80x24 window with TERM=xterm-256color; pipe-pane records the raw bytes it
// wrote to its PTY while keys are typed with pauses.
//
// Besides NAME.bin it writes NAME.cuts: one "offset label" line for each
// point where the program sat waiting for input (a prompt, before a key was
// typed). At those offsets every parser is in the ground state, so they are
// good places to cut the stream in differential tests.
//
//	go run ./ptykeeper/screen/reftest/cmd/record            # all
//	go run ./ptykeeper/screen/reftest/cmd/record vim htop   # some
package main

import (
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/screen/reftest"
)

func main() {
	out := flag.String("out", "ptykeeper/screen/testdata/streams", "directory to write the streams to")
	flag.Parse()
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "record:", err)
		os.Exit(1)
	}
}

func run(out string, only []string) error {
	want := map[string]bool{}
	for _, n := range only {
		want[n] = true
	}
	srv, err := reftest.StartServer()
	if err != nil {
		return err
	}
	defer srv.Close()
	for _, sc := range reftest.Scenarios() {
		if len(want) > 0 && !want[sc.Name] {
			continue
		}
		start := time.Now()
		data, cuts, err := srv.Record(sc)
		if err != nil {
			return err
		}
		if err := reftest.WriteStream(out, sc.Name, data, cuts); err != nil {
			return err
		}
		fmt.Printf("%-12s %8d bytes %3d cuts  %v\n", sc.Name, len(data), len(cuts), time.Since(start).Round(time.Millisecond))
	}
	return nil
}
