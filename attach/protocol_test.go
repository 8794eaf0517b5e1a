package attach

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/quick"
)

func TestFrameRoundTrip(t *testing.T) {
	f := func(typ byte, payload []byte) bool {
		typ = typ%maxType + 1
		var b bytes.Buffer
		if err := WriteFrame(&b, typ, payload); err != nil {
			return false
		}
		gt, gp, err := NewDecoder(&b).Next()
		return err == nil && gt == typ && bytes.Equal(gp, payload)
	}
	if err := quick.Check(f, nil); err != nil {
		t.Fatal(err)
	}
}

func TestDecoderRejectsGarbage(t *testing.T) {
	for name, in := range map[string][]byte{
		"unknown type": {0, 0, 0, 1, 99, 'x'},
		"type zero":    {0, 0, 0, 0, 0},
		"huge":         {0xff, 0xff, 0xff, 0xff, TypeData},
	} {
		if _, _, err := NewDecoder(bytes.NewReader(in)).Next(); !errors.Is(err, ErrFrame) {
			t.Errorf("%s: err %v, want ErrFrame", name, err)
		}
	}
	if _, _, err := NewDecoder(bytes.NewReader([]byte{0, 0, 0, 5, TypeData, 'a'})).Next(); err != io.ErrUnexpectedEOF {
		t.Errorf("short payload: %v", err)
	}
}

func FuzzDecoder(f *testing.F) {
	f.Add(AppendFrame(nil, TypeHello, []byte(`{"version":1,"argv":["ls"]}`)))
	f.Add(AppendFrame(AppendFrame(nil, TypeData, []byte("hi")), TypeResize, ResizePayload(80, 24)))
	f.Add([]byte{0, 0, 0, 4, TypeResize, 0, 80})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, TypeData})
	f.Fuzz(func(t *testing.T, in []byte) {
		d := NewDecoder(bytes.NewReader(in))
		for {
			typ, p, err := d.Next()
			if err != nil {
				return
			}
			if typ == 0 || typ > maxType || len(p) > MaxPayload {
				t.Fatalf("accepted bad frame type %d len %d", typ, len(p))
			}
			if typ == TypeResize {
				ParseResize(p)
			}
		}
	})
}

// errAfter reads from b, then fails: a reader stopped mid-stream.
type errAfter struct{ b *bytes.Reader }

func (e errAfter) Read(p []byte) (int, error) {
	if e.b.Len() == 0 {
		return 0, errors.New("stopped")
	}
	return e.b.Read(p[:min(len(p), 7)]) // small reads: frames arrive in pieces
}

// A decoder stopped anywhere hands over what it read: a new decoder given
// its Pending and the rest of the stream yields every frame once.
func TestDecoderHandOver(t *testing.T) {
	var stream []byte
	for i := range 50 {
		stream = AppendFrame(stream, TypeData, bytes.Repeat([]byte{byte('a' + i%26)}, i*37))
	}
	for cut := 0; cut <= len(stream); cut += 13 {
		var got [][]byte
		a := NewDecoder(errAfter{bytes.NewReader(stream[:cut])})
		for {
			_, p, err := a.Next()
			if err != nil {
				break
			}
			got = append(got, bytes.Clone(p))
		}
		b := NewDecoderAfter(bytes.NewReader(stream[cut:]), a.Pending())
		for {
			_, p, err := b.Next()
			if err != nil {
				if err != io.EOF {
					t.Fatalf("cut %d: %v", cut, err)
				}
				break
			}
			got = append(got, bytes.Clone(p))
		}
		if len(got) != 50 {
			t.Fatalf("cut %d: %d frames, want 50", cut, len(got))
		}
		for i, p := range got {
			if len(p) != i*37 {
				t.Fatalf("cut %d: frame %d has %d bytes", cut, i, len(p))
			}
		}
	}
}
