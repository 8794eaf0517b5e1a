package main

import (
	"bytes"
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper"
	"github.com/ptykeeper/ptykeeper/ptykeeper/config"
)

// FuzzDecodeImage: the upgrade state decoder never panics, whatever the
// bytes, and what it accepts passes the dry run's checks or is refused by
// them with an error.
func FuzzDecodeImage(f *testing.F) {
	spec := ptykeeper.NewSpec("irc", []string{"irssi"})
	img := daemonImage{
		Version: "test", Config: config.Default(), SocketPath: "/run/x.sock", SocketFD: 3, LockFD: 4,
		Sessions: []ptykeeper.SessionState{{Spec: spec, State: ptykeeper.Running, Screen: []byte("\x1b[Hhello"),
			Run: &ptykeeper.RunState{Pid: 42, MasterFD: 5, Spec: spec}}},
		CallerFD: -1,
	}
	var b bytes.Buffer
	if err := stateFormat.Encode(&b, &img); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:70])
	f.Add([]byte("PTYKEEPER"))
	f.Fuzz(func(t *testing.T, in []byte) {
		var got daemonImage
		if stateFormat.Decode(bytes.NewReader(in), &got) == nil {
			got.valid()
		}
	})
}
