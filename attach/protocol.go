// Package attach carries sessions to people: the framed protocol of the
// local Unix socket, the server that speaks it, the command set shared with
// the SSH server, and the local client that puts a terminal in raw mode.
//
// protocol.go defines the wire format. Every frame is a 5-byte header — the
// payload length (uint32, big endian) and the message type — then the
// payload. Output travels as raw bytes in Data frames, so the hot path is a
// header written in front of bytes already in the buffer.
//
// Bump Version whenever any message changes meaning or layout.
package attach

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Version is the protocol version; client and daemon must agree.
const Version = 2

// HeaderLen is the size of a frame header.
const HeaderLen = 5

// MaxPayload bounds a frame; a peer sending more is broken or hostile.
const MaxPayload = 1 << 20

// Message types.
const (
	TypeHello  byte = 1 // client→daemon, first frame: JSON Hello
	TypeData   byte = 2 // both ways: terminal bytes (output, or input)
	TypeResize byte = 3 // client→daemon: cols, rows as two uint16
	TypeDetach byte = 4 // client→daemon: detach, the program goes on
	TypeExit   byte = 5 // daemon→client, last frame: JSON Exit
	TypeStderr byte = 6 // daemon→client: text for the client's stderr
	TypeAck    byte = 7 // daemon→client: uint32, input bytes the program took (see InputWindow)
	maxType         = TypeAck
)

// InputWindow is how many bytes of input (Data frames from an attached
// client) may be in flight: sent, but not yet acknowledged by an Ack frame.
// The daemon acknowledges input once it was written to the program, so a
// program that stops reading stops the client's typing at the client (its
// detach key and resizes still get through: they are not counted), and the
// daemon never holds more than this per client. A client that sends more is
// disconnected.
const InputWindow = 64 << 10

// AckPayload encodes an Ack.
func AckPayload(n int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], uint32(n))
	return b[:]
}

// ParseAck decodes an Ack payload.
func ParseAck(p []byte) (int, error) {
	if len(p) != 4 {
		return 0, fmt.Errorf("%w: ack payload of %d bytes", ErrFrame, len(p))
	}
	return int(binary.BigEndian.Uint32(p)), nil
}

// Hello opens every connection: which command to run, and the client's
// terminal.
type Hello struct {
	Version int      `json:"version"`
	Argv    []string `json:"argv"`
	Cols    int      `json:"cols,omitempty"`
	Rows    int      `json:"rows,omitempty"`
	TTY     bool     `json:"tty,omitempty"` // stdin is a terminal (attach needs one)
}

// Exit ends a connection: the command's exit status and a message for the
// user (already ending in a newline if not empty).
type Exit struct {
	Code    int    `json:"code"`
	Message string `json:"message,omitempty"`
}

// ErrFrame is returned for a malformed frame.
var ErrFrame = errors.New("attach: malformed frame")

// PutHeader writes a header for a payload of n bytes into b[:HeaderLen].
func PutHeader(b []byte, typ byte, n int) {
	binary.BigEndian.PutUint32(b, uint32(n))
	b[4] = typ
}

// AppendFrame appends a whole frame to dst.
func AppendFrame(dst []byte, typ byte, payload []byte) []byte {
	var h [HeaderLen]byte
	PutHeader(h[:], typ, len(payload))
	return append(append(dst, h[:]...), payload...)
}

// WriteFrame writes one frame with a single Write.
func WriteFrame(w io.Writer, typ byte, payload []byte) error {
	_, err := w.Write(AppendFrame(make([]byte, 0, HeaderLen+len(payload)), typ, payload))
	return err
}

// ResizePayload encodes a window size.
func ResizePayload(cols, rows int) []byte {
	var b [4]byte
	binary.BigEndian.PutUint16(b[:], uint16(min(max(cols, 0), 0xffff)))
	binary.BigEndian.PutUint16(b[2:], uint16(min(max(rows, 0), 0xffff)))
	return b[:]
}

// ParseResize decodes a Resize payload.
func ParseResize(p []byte) (cols, rows int, err error) {
	if len(p) != 4 {
		return 0, 0, fmt.Errorf("%w: resize payload of %d bytes", ErrFrame, len(p))
	}
	return int(binary.BigEndian.Uint16(p)), int(binary.BigEndian.Uint16(p[2:])), nil
}

// Decoder reads frames. It reads from r in large pieces into its own
// buffer (one read often brings many frames) and keeps what it read beyond
// the last frame returned: Pending hands that over, so a reader stopped
// between two Next calls loses nothing (a daemon's upgrade). The payload
// returned by Next is valid until the next call.
type Decoder struct {
	r          io.Reader
	buf        []byte
	start, end int // buf[start:end] is read but not yet returned
}

// NewDecoder returns a decoder reading from r.
func NewDecoder(r io.Reader) *Decoder { return NewDecoderAfter(r, nil) }

// NewDecoderAfter returns a decoder that first decodes pending (bytes
// another decoder read from the same stream, see Pending), then reads r.
func NewDecoderAfter(r io.Reader, pending []byte) *Decoder {
	d := &Decoder{r: r, buf: make([]byte, max(32<<10, len(pending)))}
	d.end = copy(d.buf, pending)
	return d
}

// Pending returns a copy of the bytes read but not yet decoded: the start
// of frames Next has not returned.
func (d *Decoder) Pending() []byte { return bytes.Clone(d.buf[d.start:d.end]) }

// Next reads one frame.
func (d *Decoder) Next() (typ byte, payload []byte, err error) {
	for {
		if d.start == d.end {
			d.start, d.end = 0, 0
		}
		avail := d.buf[d.start:d.end]
		need := HeaderLen
		if len(avail) >= HeaderLen {
			n := binary.BigEndian.Uint32(avail)
			typ = avail[4]
			if typ == 0 || typ > maxType {
				return 0, nil, fmt.Errorf("%w: unknown type %d", ErrFrame, typ)
			}
			if n > MaxPayload {
				return 0, nil, fmt.Errorf("%w: payload of %d bytes", ErrFrame, n)
			}
			need = HeaderLen + int(n)
			if len(avail) >= need {
				d.start += need
				return typ, avail[HeaderLen:need], nil
			}
		}
		if d.start+need > len(d.buf) { // make room: move what is left to the front
			if need > len(d.buf) {
				nb := make([]byte, need)
				d.end = copy(nb, avail)
				d.buf = nb
			} else {
				d.end = copy(d.buf, avail)
			}
			d.start = 0
		}
		m, err := d.r.Read(d.buf[d.end:])
		d.end += m
		if err != nil && m == 0 {
			if err == io.EOF && d.end > d.start {
				err = io.ErrUnexpectedEOF
			}
			return 0, nil, err
		}
	}
}
