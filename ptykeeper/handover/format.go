// format.go owns the state container: a fixed header followed by the
// caller's value as JSON, with the checks a new binary makes before it
// trusts what an old one wrote.

package handover

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"strings"
)

// The container, all integers big-endian so any machine can read the header
// and say what is wrong with it:
//
//	offset size
//	     0    8  magic "PTYKSTAT"
//	     8    4  version: the writer's Format.Version (the payload's schema)
//	    12    4  flags: zero; a reader refuses anything else
//	    16   16  GOOS of the writer, NUL-padded
//	    32   16  GOARCH of the writer, NUL-padded
//	    48    8  payload length in bytes, at most MaxPayload
//	    56    4  CRC-32C (Castagnoli) of the payload
//	    60    4  CRC-32C of bytes 0..59 of the header
//	    64    …  payload: JSON of the caller's value
//
// This layout never changes; a different layout would get a new magic. What
// changes is the payload's schema, which Format.Version names.
const (
	headerSize = 64
	magic      = "PTYKSTAT"
	nameField  = 16

	// MaxPayload bounds the payload a reader accepts, so a corrupt or
	// hostile length cannot make it allocate absurdly. A daemon's state is
	// a few MB.
	MaxPayload = 1 << 30
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Errors a decoder reports, wrapped with the details (errors.Is works).
var (
	ErrNotState  = errors.New("not a ptykeeper state")
	ErrTruncated = errors.New("truncated state")
	ErrChecksum  = errors.New("state checksum mismatch")
	ErrPlatform  = errors.New("state written for another platform")
	ErrVersion   = errors.New("unsupported state version")
	ErrTooLarge  = errors.New("state too large")
)

// Format names the schema version of the state a binary writes and the
// oldest one it can still read. Bump Version whenever an older binary must
// not read the new state (a field changes meaning, or an older binary would
// lose something it does not know); set Oldest to the oldest version the
// decoding code still understands. Decode also refuses JSON fields the
// caller's type does not have, so a forgotten bump shows up as an error in
// the dry run rather than as state silently dropped.
type Format struct {
	Version uint32 // written by Encode; at least 1
	Oldest  uint32 // the oldest version Decode accepts; 0 means Version
}

func (f Format) valid() error {
	if f.Version == 0 || f.Oldest > f.Version {
		return fmt.Errorf("handover: invalid Format{Version: %d, Oldest: %d}: need 1 <= Oldest <= Version", f.Version, f.Oldest)
	}
	return nil
}

func (f Format) oldest() uint32 {
	if f.Oldest == 0 {
		return f.Version
	}
	return f.Oldest
}

// reads describes the versions f accepts: "only 2", "1 and 2", "1 to 4".
func (f Format) reads() string {
	lo, hi := f.oldest(), f.Version
	switch {
	case lo == hi:
		return fmt.Sprintf("only %d", hi)
	case lo+1 == hi:
		return fmt.Sprintf("%d and %d", lo, hi)
	}
	return fmt.Sprintf("%d to %d", lo, hi)
}

// header is the decoded fixed part of a container.
type header struct {
	version      uint32
	flags        uint32
	goos, goarch string
	length       uint64
	sum          uint32
}

// Encode writes v as JSON in a container of version f.Version, stamped with
// this binary's GOOS/GOARCH.
func (f Format) Encode(w io.Writer, v any) error {
	if err := f.valid(); err != nil {
		return err
	}
	payload, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if len(payload) > MaxPayload {
		return fmt.Errorf("encode state: %w: %d bytes, the limit is %d", ErrTooLarge, len(payload), MaxPayload)
	}
	h := header{
		version: f.Version,
		goos:    runtime.GOOS, goarch: runtime.GOARCH,
		length: uint64(len(payload)),
		sum:    crc32.Checksum(payload, castagnoli),
	}
	buf := h.marshal()
	if _, err := w.Write(buf[:]); err != nil {
		return fmt.Errorf("write state header: %w", err)
	}
	if _, err := w.Write(payload); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

func (h header) marshal() [headerSize]byte {
	var b [headerSize]byte
	copy(b[0:8], magic)
	binary.BigEndian.PutUint32(b[8:], h.version)
	binary.BigEndian.PutUint32(b[12:], h.flags)
	copy(b[16:16+nameField], h.goos)
	copy(b[32:32+nameField], h.goarch)
	binary.BigEndian.PutUint64(b[48:], h.length)
	binary.BigEndian.PutUint32(b[56:], h.sum)
	binary.BigEndian.PutUint32(b[60:], crc32.Checksum(b[:60], castagnoli))
	return b
}

// Decode reads one container from r (exactly the header and the payload it
// announces) and decodes its payload into v. It refuses, with an error
// naming the problem: something that is not a state, a header or payload
// cut short, a checksum mismatch, a state written on another OS or
// architecture, a version outside Oldest..Version, a payload over
// MaxPayload, and JSON that does not fit v (unknown fields included). It
// reads the payload incrementally: memory grows with the bytes actually
// present, not with the length the header claims.
func (f Format) Decode(r io.Reader, v any) error {
	if err := f.valid(); err != nil {
		return err
	}
	var b [headerSize]byte
	if n, err := io.ReadFull(r, b[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return fmt.Errorf("%w: header %d of %d bytes", ErrTruncated, n, headerSize)
		}
		return fmt.Errorf("read state header: %w", err)
	}
	h, err := parseHeader(b)
	if err != nil {
		return err
	}
	if err := f.accept(h); err != nil {
		return err
	}
	payload, err := readPayload(r, h.length)
	if err != nil {
		return err
	}
	if sum := crc32.Checksum(payload, castagnoli); sum != h.sum {
		return fmt.Errorf("%w: payload of %d bytes has CRC-32C %08x, the header says %08x", ErrChecksum, len(payload), sum, h.sum)
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode state version %d: %w", h.version, err)
	}
	if dec.More() {
		return fmt.Errorf("decode state version %d: data after the value", h.version)
	}
	return nil
}

func parseHeader(b [headerSize]byte) (header, error) {
	if string(b[0:8]) != magic {
		return header{}, fmt.Errorf("%w: starts with %q, not %q", ErrNotState, b[0:8], magic)
	}
	if got, want := crc32.Checksum(b[:60], castagnoli), binary.BigEndian.Uint32(b[60:]); got != want {
		return header{}, fmt.Errorf("%w: header has CRC-32C %08x, it says %08x", ErrChecksum, got, want)
	}
	return header{
		version: binary.BigEndian.Uint32(b[8:]),
		flags:   binary.BigEndian.Uint32(b[12:]),
		goos:    cString(b[16 : 16+nameField]),
		goarch:  cString(b[32 : 32+nameField]),
		length:  binary.BigEndian.Uint64(b[48:]),
		sum:     binary.BigEndian.Uint32(b[56:]),
	}, nil
}

// accept checks what the header says against what this binary can read.
func (f Format) accept(h header) error {
	if h.goos != runtime.GOOS || h.goarch != runtime.GOARCH {
		return fmt.Errorf("%w: written for %s/%s, this binary is %s/%s", ErrPlatform, h.goos, h.goarch, runtime.GOOS, runtime.GOARCH)
	}
	if h.version < f.oldest() || h.version > f.Version {
		return fmt.Errorf("%w: state written by format %d, this binary reads %s", ErrVersion, h.version, f.reads())
	}
	if h.flags != 0 {
		return fmt.Errorf("%w: header flags %#x, this binary knows none", ErrVersion, h.flags)
	}
	if h.length > MaxPayload {
		return fmt.Errorf("%w: the header announces %d bytes, the limit is %d", ErrTooLarge, h.length, MaxPayload)
	}
	return nil
}

// readPayload reads exactly n bytes, growing the buffer as they arrive.
func readPayload(r io.Reader, n uint64) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(int(min(n, 64<<10)))
	got, err := buf.ReadFrom(io.LimitReader(r, int64(n)))
	if err != nil {
		return nil, fmt.Errorf("read state payload: %w", err)
	}
	if uint64(got) < n {
		return nil, fmt.Errorf("%w: payload %d of %d bytes", ErrTruncated, got, n)
	}
	return buf.Bytes(), nil
}

func cString(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\x00")
	return s
}
