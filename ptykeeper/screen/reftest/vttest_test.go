package reftest

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"testing"
)

// The committed vttest streams are what the installed vttest writes: the
// recording is exact and repeatable (checked on menu 3, the quickest).
func TestVttestRecordingRepeats(t *testing.T) {
	if _, err := exec.LookPath("vttest"); err != nil {
		t.Skip("vttest not installed (Debian: apt-get install vttest)")
	}
	srv := Require(t)
	var sc Scenario
	for _, s := range Scenarios() {
		if s.Name == "vttest-3" {
			sc = s
		}
	}
	data, cuts, err := srv.Record(sc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("../testdata/streams/vttest-3.bin")
	if err != nil {
		t.Fatal(err)
	}
	wantCuts, err := loadCuts("../testdata/streams/vttest-3.cuts", want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, want) || !slices.Equal(cuts, wantCuts) {
		t.Errorf("vttest menu 3 recorded %d bytes, cuts %v; committed %d bytes, cuts %v: re-record with cmd/record",
			len(data), cuts, len(want), wantCuts)
	}
}
