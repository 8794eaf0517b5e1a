package handover_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
)

func encode(t testing.TB, f handover.Format, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f.Encode(&b, v); err != nil {
		t.Fatalf("encode: %v", err)
	}
	return b.Bytes()
}

// sampleState is a state with size bytes of ring (a daemon hands over a few
// MB of rings, history and screens).
func sampleState(size int) helperState {
	ring := make([]byte, size)
	for i := range ring {
		ring[i] = byte(i * 7)
	}
	return helperState{Round: 3, Pid: 812, Child: 813, PTY: 7, Unix: 8, TCP: 9, Conn: 10, Lock: 11,
		UnixPath: "/run/ptykeeper/s\"o\\ck", TCPAddr: "127.0.0.1:2222", Ring: ring}
}

func TestRoundTrip(t *testing.T) {
	want := sampleState(256 << 10)
	data := encode(t, testFormat, want)
	var got helperState
	if err := testFormat.Decode(bytes.NewReader(data), &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip changed the state: got %+v", got.UnixPath)
	}
	// An older format's state is read by a binary that reads it.
	old := encode(t, handover.Format{Version: 1}, helperState{Pid: 5})
	got = helperState{}
	if err := testFormat.Decode(bytes.NewReader(old), &got); err != nil || got.Pid != 5 {
		t.Fatalf("decode version 1 with %+v: %v (pid %d)", testFormat, err, got.Pid)
	}
}

// reheader returns data with its header changed by fn and the header's
// checksum recomputed: the layout documented in format.go.
func reheader(data []byte, fn func(h []byte)) []byte {
	out := bytes.Clone(data)
	fn(out[:64])
	binary.BigEndian.PutUint32(out[60:], crc32.Checksum(out[:60], crc32.MakeTable(crc32.Castagnoli)))
	return out
}

func otherArch() string {
	if runtime.GOARCH == "arm64" {
		return "amd64"
	}
	return "arm64"
}

func TestDecodeErrors(t *testing.T) {
	good := encode(t, testFormat, helperState{Pid: 1, UnixPath: "x"})
	v3 := encode(t, handover.Format{Version: 3}, helperState{Pid: 1})
	type extra struct {
		Pid   int
		Extra string
	}
	unknown := encode(t, testFormat, extra{Pid: 1, Extra: "new"})
	flipPayload := bytes.Clone(good)
	flipPayload[70] ^= 1
	flipHeader := bytes.Clone(good)
	flipHeader[9] ^= 1

	tests := []struct {
		name   string
		data   []byte
		format handover.Format
		is     error
		msg    string
	}{
		{"empty", nil, testFormat, handover.ErrTruncated, "truncated state: header 0 of 64 bytes"},
		{"short header", good[:10], testFormat, handover.ErrTruncated, "header 10 of 64 bytes"},
		{"short payload", good[:len(good)-5], testFormat, handover.ErrTruncated,
			"payload " + itoa(len(good)-64-5) + " of " + itoa(len(good)-64) + " bytes"},
		{"not a state", []byte(strings.Repeat("#!/bin/sh\necho hello\n", 4)), testFormat, handover.ErrNotState, `starts with "#!/bin/s"`},
		{"header checksum", flipHeader, testFormat, handover.ErrChecksum, "header has CRC-32C"},
		{"payload checksum", flipPayload, testFormat, handover.ErrChecksum, "payload of"},
		{"newer version", v3, testFormat, handover.ErrVersion, "state written by format 3, this binary reads 1 and 2"},
		{"older version", good, handover.Format{Version: 5, Oldest: 3}, handover.ErrVersion, "state written by format 2, this binary reads 3 to 5"},
		{"only one version", v3, handover.Format{Version: 1}, handover.ErrVersion, "this binary reads only 1"},
		{"other arch", reheader(good, func(h []byte) { clear(h[32:48]); copy(h[32:], otherArch()) }), testFormat, handover.ErrPlatform,
			"written for linux/" + otherArch() + ", this binary is linux/" + runtime.GOARCH},
		{"other os", reheader(good, func(h []byte) { clear(h[16:32]); copy(h[16:], "freebsd") }), testFormat, handover.ErrPlatform, "written for freebsd/"},
		{"flags", reheader(good, func(h []byte) { h[15] = 1 }), testFormat, handover.ErrVersion, "header flags 0x1"},
		{"too large", reheader(good, func(h []byte) { binary.BigEndian.PutUint64(h[48:], 5<<30) }), testFormat, handover.ErrTooLarge,
			"announces 5368709120 bytes, the limit is 1073741824"},
		{"unknown field", unknown, testFormat, nil, `unknown field "Extra"`},
		{"invalid format", good, handover.Format{}, nil, "invalid Format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v helperState
			err := tt.format.Decode(bytes.NewReader(tt.data), &v)
			if err == nil {
				t.Fatalf("decode succeeded: %+v", v)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %q", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not say %q", err, tt.msg)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDecodeTrailingJSON(t *testing.T) {
	// A payload with two values and a correct checksum is still refused.
	data := withPayload(t, []byte(`{"Pid":1} {"Pid":2}`))
	var v helperState
	if err := testFormat.Decode(bytes.NewReader(data), &v); err == nil || !strings.Contains(err.Error(), "data after the value") {
		t.Fatalf("decode of two values: %v", err)
	}
}

// withPayload wraps payload in a valid header.
func withPayload(t testing.TB, payload []byte) []byte {
	t.Helper()
	data := append(encode(t, testFormat, nil)[:64], payload...)
	return reheader(data, func(h []byte) {
		binary.BigEndian.PutUint64(h[48:], uint64(len(payload)))
		binary.BigEndian.PutUint32(h[56:], crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)))
	})
}

// A header that claims a huge payload over a short input must not make the
// decoder allocate what the header claims.
func TestDecodeClaimedLengthAllocatesLittle(t *testing.T) {
	data := reheader(encode(t, testFormat, helperState{Pid: 1}), func(h []byte) {
		binary.BigEndian.PutUint64(h[48:], handover.MaxPayload)
	})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var v helperState
	err := testFormat.Decode(bytes.NewReader(data), &v)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, handover.ErrTruncated) {
		t.Fatalf("decode: %v, want truncated", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Fatalf("decoding %d bytes that claim 1 GiB allocated %d bytes", len(data), n)
	}
}

func TestEncodeRejectsInvalid(t *testing.T) {
	var b bytes.Buffer
	if err := (handover.Format{Version: 1, Oldest: 2}).Encode(&b, 1); err == nil {
		t.Fatal("Oldest > Version accepted")
	}
	if err := testFormat.Encode(&b, func() {}); err == nil || !strings.Contains(err.Error(), "encode state") {
		t.Fatalf("encoding a func: %v", err)
	}
}

// The state of a daemon with a few MB of rings and history: what freezing
// costs before the dry run (Encode) and in the dry run and the new image
// (Decode each).
func BenchmarkEncode(b *testing.B) {
	st := sampleState(4 << 20)
	var buf bytes.Buffer
	buf.Grow(6 << 20)
	b.SetBytes(4 << 20)
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := testFormat.Encode(&buf, st); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	data := encode(b, testFormat, sampleState(4<<20))
	b.SetBytes(4 << 20)
	b.ReportAllocs()
	for b.Loop() {
		var got helperState
		if err := testFormat.Decode(bytes.NewReader(data), &got); err != nil {
			b.Fatal(err)
		}
	}
}
