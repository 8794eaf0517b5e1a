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
