package handover_test

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzDecode feeds arbitrary bytes to the decoder: it must never panic, and
// whatever it accepts must survive an encode/decode round trip unchanged.
// The checksums keep mutations of a whole container from reaching the JSON
// decoder; FuzzDecodePayload covers that.
func FuzzDecode(f *testing.F) {
	f.Add(encode(f, testFormat, helperState{Pid: 1, UnixPath: "/run/s.sock", Ring: []byte("\x1b[H")}))
	f.Add(encode(f, testFormat, nil))
	f.Add([]byte("PTYKSTAT"))
	f.Fuzz(func(t *testing.T, data []byte) {
		decodeAndRoundTrip(t, data)
	})
}

// FuzzDecodePayload wraps arbitrary bytes in a valid header, so the fuzzer
// reaches the strict JSON decoding of the state.
func FuzzDecodePayload(f *testing.F) {
	f.Add([]byte(`{"Round":1,"Pid":2,"UnixPath":"x","Ring":"AAEC"}`))
	f.Add([]byte(`{"Pid":1,"Extra":true}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		decodeAndRoundTrip(t, withPayload(t, payload))
	})
}

func decodeAndRoundTrip(t *testing.T, data []byte) {
	var v helperState
	if err := testFormat.Decode(bytes.NewReader(data), &v); err != nil {
		return
	}
	if len(v.Ring) == 0 {
		v.Ring = nil // omitempty: an empty ring is written as none
	}
	var again helperState
	if err := testFormat.Decode(bytes.NewReader(encode(t, testFormat, v)), &again); err != nil {
		t.Fatalf("re-decoding an accepted state: %v", err)
	}
	if !reflect.DeepEqual(v, again) {
		t.Fatalf("round trip changed %+v into %+v", v, again)
	}
}
