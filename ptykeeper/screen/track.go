// track.go keeps where things are in the byte stream the model has parsed,
// counted from New: where an unfinished sequence began, and which complete
// sequences were queries the model answered. A keeper that answers those
// queries itself (always, so that no two terminals answer one query) cuts
// them out of what it passes on to attached terminals, and passes on an
// unfinished sequence only once it is complete.

package screen

// Span is a range of the parsed byte stream, [Start, End), in bytes counted
// from the first Write.
type Span struct{ Start, End uint64 }

// maxSpans bounds the spans kept between two takes: a program that floods
// queries gets the rest passed on.
const maxSpans = 256

type byteTrack struct {
	total    uint64 // bytes written so far
	cur      uint64 // offset of the byte being parsed (outside the ASCII fast path)
	start    uint64 // where the sequence (or UTF-8 character) being parsed began
	answered bool   // the sequence being parsed was a query the model answered
	spans    []Span
}

func (t *byteTrack) sequenceEnded(end uint64) {
	if t.answered && len(t.spans) < maxSpans {
		t.spans = append(t.spans, Span{t.start, end})
	}
	t.answered = false
}

// Offset returns the number of bytes written to the screen since New.
func (s *Screen) Offset() uint64 { return s.track.total }

// SequenceStart returns where the unfinished escape sequence or UTF-8
// character began, while MidSequence reports one.
func (s *Screen) SequenceStart() uint64 { return s.track.start }

// AppendAnswered appends the spans of the queries answered (see
// AppendReplies) since the last call, oldest first, and forgets them.
func (s *Screen) AppendAnswered(dst []Span) []Span {
	dst = append(dst, s.track.spans...)
	s.track.spans = s.track.spans[:0]
	return dst
}
