// suite.go runs the whole differential suite for one model: the synthetic
// cases and every recorded stream at its cut points, as subtests named
// "cases/NAME" and "streams/NAME/LABEL".

package reftest

import "testing"

// Suite is the differential suite for one model.
type Suite struct {
	New ModelFactory
	// StreamDir holds the recorded streams (ptykeeper/screen/testdata/
	// streams); "" leaves them out.
	StreamDir string
	// Known names the cases the model is known to get wrong; nil: none.
	// Case names are "NAME" for synthetic cases and "STREAM@LABEL" for
	// stream cuts (labels from the .cuts files, "at-OFFSET", "end").
	Known Known
	// RandomCuts and ArbitraryCuts: cuts per stream besides the labelled
	// ones (see PickCuts). Zero means 6 and 2.
	RandomCuts, ArbitraryCuts int
	// MaxBytes, if not 0, checks only a stream's first MaxBytes (cut at a
	// ground offset): for slow models. The big streams repeat themselves.
	MaxBytes int
}

// Size of the terminal every suite case runs at: the streams were
// recorded at 80x24.
const suiteCols, suiteRows = 80, 24

// Run runs the suite; it skips if tmux is missing.
func (s Suite) Run(t *testing.T) {
	srv := Require(t)
	t.Run("cases", func(t *testing.T) {
		for _, c := range Cases() {
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				Report(t, c.Name, s.compareCase(srv, c.Data), s.Known)
			})
		}
	})
	if s.StreamDir == "" {
		return
	}
	streams, err := LoadStreams(s.StreamDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("streams", func(t *testing.T) {
		for _, st := range streams {
			t.Run(st.Name, func(t *testing.T) {
				t.Parallel()
				s.runStream(t, srv, st)
			})
		}
	})
}

func (s Suite) compareCase(srv *Server, data []byte) error {
	m := s.New(suiteCols, suiteRows)
	m.Write(data)
	repaint := m.AppendRepaint(nil)
	closeModel(m)
	return Compare(srv, data, repaint, InGround(data), suiteCols, suiteRows)
}

// Truncate returns st cut to at most max bytes, at the last offset where
// the parser is in its ground state, with the cuts that still fit.
func (st Stream) Truncate(max int) Stream {
	if max <= 0 || len(st.Data) <= max {
		return st
	}
	end := 0
	for _, o := range GroundOffsets(st.Data[:max]) {
		end = o
	}
	out := Stream{Name: st.Name, Data: st.Data[:end]}
	for _, c := range st.Cuts {
		if c.Offset <= end {
			out.Cuts = append(out.Cuts, c)
		}
	}
	return out
}

func (s Suite) runStream(t *testing.T, srv *Server, st Stream) {
	st = st.Truncate(s.MaxBytes)
	n, arb := s.RandomCuts, s.ArbitraryCuts
	if n == 0 {
		n = 6
	}
	if arb == 0 {
		arb = 2
	}
	cuts := PickCuts(st.Name, st.Data, st.Cuts, n, arb)
	for _, r := range CompareStream(srv, s.New, st.Data, cuts, suiteCols, suiteRows) {
		t.Run(r.Cut.Label, func(t *testing.T) {
			Report(t, st.Name+"@"+r.Cut.Label, r.Err, s.Known)
		})
	}
}
