// sender.go keeps a local client's typing within the daemon's input window
// (see InputWindow): keystrokes wait here, in the client, while the
// program is not reading, so the daemon never has to stop reading this
// client's frames and the detach key and window changes always get through.

package attach

import "sync"

// maxQueuedInput bounds what a client holds for a program that does not
// read: a paste beyond it is cut, not kept without limit.
const maxQueuedInput = 16 << 20

// inputSender sends queued input as Data frames, at most InputWindow bytes
// ahead of the daemon's acknowledgements.
type inputSender struct {
	send func(typ byte, p []byte) error

	mu       sync.Mutex
	cond     sync.Cond
	queued   []byte
	inFlight int
	sending  bool // a send is under way (keeps the order)
	closed   bool
}

func newInputSender(send func(byte, []byte) error) *inputSender {
	s := &inputSender{send: send}
	s.cond.L = &s.mu
	go s.loop()
	return s
}

// add passes keystrokes on; it never waits for the program. With nothing
// queued or being sent and room in the window, the caller sends them
// itself: a keystroke's echo should not wait for a goroutine to wake up.
// Otherwise they queue for the sending goroutine.
func (s *inputSender) add(p []byte) {
	s.mu.Lock()
	if !s.sending && !s.closed && len(s.queued) == 0 && s.inFlight+len(p) <= InputWindow {
		s.sending = true
		s.inFlight += len(p)
		s.mu.Unlock()
		s.send(TypeData, p)
		s.mu.Lock()
		s.sending = false
		if len(s.queued) > 0 { // queued meanwhile; else waking the loop is a wasted wake-up a keystroke
			s.cond.Signal()
		}
		s.mu.Unlock()
		return
	}
	defer s.mu.Unlock()
	n := min(len(p), maxQueuedInput-len(s.queued))
	s.queued = append(s.queued, p[:max(n, 0)]...)
	s.cond.Signal()
}

// ack returns credit for n bytes the program took.
func (s *inputSender) ack(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inFlight = max(s.inFlight-n, 0)
	if len(s.queued) > 0 {
		s.cond.Signal()
	}
}

// close ends the sending goroutine; queued input is dropped.
func (s *inputSender) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.cond.Signal()
}

func (s *inputSender) loop() {
	buf := make([]byte, 0, 32<<10)
	for {
		s.mu.Lock()
		for !s.closed && (len(s.queued) == 0 || s.inFlight >= InputWindow || s.sending) {
			s.cond.Wait()
		}
		if s.closed {
			s.mu.Unlock()
			return
		}
		n := min(len(s.queued), InputWindow-s.inFlight, cap(buf))
		buf = append(buf[:0], s.queued[:n]...)
		s.queued = s.queued[n:]
		if len(s.queued) == 0 {
			s.queued = nil
		}
		s.inFlight += n
		s.sending = true
		s.mu.Unlock()
		err := s.send(TypeData, buf)
		s.mu.Lock()
		s.sending = false
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}
