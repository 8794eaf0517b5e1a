// The status queries a terminal emulator answers: a keeper may ask the
// client's terminal "have you shown everything so far?" (DSR, ESC[5n) and
// must not hang when the terminal is slow, so the terminals of the tests
// answer as xterm does, at the moment they read the query.
package main

import "bytes"

// queryScanner finds DSR (ESC[5n), CPR (ESC[6n) and DA1 (ESC[c, ESC[0c) in
// a stream fed in arbitrary pieces, and gives the answers a terminal writes
// back as keyboard input. Other sequences are skipped. The zero value is
// ready; it keeps no more than one sequence's parameters between calls.
type queryScanner struct {
	state  scanState
	params [8]byte // CSI parameter and intermediate bytes, as read
	n      int     // bytes in params; more than fit marks a sequence we don't answer
}

type scanState uint8

const (
	ground scanState = iota
	escape           // after ESC
	csi              // after ESC [
)

// Answers to the queries; CPR gives a plausible position (bottom-left, where
// a flood leaves the cursor): nothing in the tests depends on it.
var (
	answerDSR = []byte("\x1b[0n")
	answerCPR = []byte("\x1b[24;1R")
	answerDA1 = []byte("\x1b[?62;22c")
)

// scan feeds p and calls reply with the answer to each complete query, in
// stream order. reply must not keep its argument.
func (s *queryScanner) scan(p []byte, reply func([]byte)) {
	for i := 0; i < len(p); i++ {
		if s.state == ground { // the common case: skip to the next ESC at once
			j := bytes.IndexByte(p[i:], 0x1b)
			if j < 0 {
				return
			}
			i += j
		}
		s.step(p[i], reply)
	}
}

func (s *queryScanner) step(b byte, reply func([]byte)) {
	switch {
	case b == 0x1b: // ESC starts over, from any state
		s.state = escape
	case s.state == escape && b == '[':
		s.state, s.n = csi, 0
	case s.state == escape:
		s.state = ground
	case b == 0x18 || b == 0x1a: // CAN, SUB cancel a sequence
		s.state = ground
	case b < 0x20 || b == 0x7f: // other C0 controls execute inside a sequence without ending it; DEL is ignored
	case b <= 0x3f: // parameter (0x30-0x3f) or intermediate (0x20-0x2f) byte
		if s.n < len(s.params) {
			s.params[s.n] = b
		}
		s.n++
	case b <= 0x7e: // final byte
		if s.n <= len(s.params) {
			if a := queryAnswer(s.params[:s.n], b); a != nil {
				reply(a)
			}
		}
		s.state = ground
	default: // bytes >= 0x80 (UTF-8, C1) end it unanswered
		s.state = ground
	}
}

// queryAnswer is the answer to CSI params final, or nil.
func queryAnswer(params []byte, final byte) []byte {
	switch {
	case final == 'n' && string(params) == "5":
		return answerDSR
	case final == 'n' && string(params) == "6":
		return answerCPR
	case final == 'c' && (len(params) == 0 || string(params) == "0"):
		return answerDA1
	}
	return nil
}
