// replies.go collects the answers to terminal queries that a program sends
// (device attributes, status, cursor position, modes, version, size) for
// the caller to pass back to the program, and counts the status queries so
// the caller knows when the program itself is waiting for one.
// Colour queries (OSC 4/10/11/12) are never answered: the model does not
// know the user's colours, and a wrong answer is worse than none.

package screen

import "strconv"

// maxReplies bounds the reply buffer: a program that floods queries
// without the caller taking the answers loses the newest ones.
const maxReplies = 4 << 10

func (s *Screen) reply(r string) {
	s.track.answered = true
	if len(s.replies)+len(r) <= maxReplies {
		s.replies = append(s.replies, r...)
	}
}

// replyf4 appends prefix, a, sep, b, suffix as one reply, without
// allocating.
func (s *Screen) replyf4(prefix string, a int, sep byte, b int, suffix string) {
	var buf [64]byte
	r := append(buf[:0], prefix...)
	r = strconv.AppendInt(r, int64(a), 10)
	r = append(r, sep)
	r = strconv.AppendInt(r, int64(b), 10)
	r = append(r, suffix...)
	s.track.answered = true
	if len(s.replies)+len(r) <= maxReplies {
		s.replies = append(s.replies, r...)
	}
}

// deviceStatus answers DSR 5 (status) and 6 (cursor position, relative to
// the scroll region in origin mode).
func (s *Screen) deviceStatus() {
	switch s.param(0, 0) {
	case 5:
		s.queries++
		s.reply("\x1b[0n")
	case 6:
		s.queries++
		y := s.y
		if s.modes.has(mOrigin) {
			y -= s.top
		}
		s.replyf4("\x1b[", y+1, ';', min(s.x, s.cols-1)+1, "R")
	}
}

// AppendReplies appends the answers to the queries parsed since the last
// call, in order, to dst, and forgets them. The caller sends them to the
// program when no terminal of a user is there to answer.
func (s *Screen) AppendReplies(dst []byte) []byte {
	dst = append(dst, s.replies...)
	s.replies = s.replies[:0]
	return dst
}

// QueriesSeen counts the status queries (DSR 5, "CSI 5 n", and cursor
// position requests, "CSI 6 n") the program has sent since New. A caller
// that sends its own status query to a user's terminal compares this count
// before and after to know whether an answer may be the program's.
func (s *Screen) QueriesSeen() uint64 { return s.queries }
