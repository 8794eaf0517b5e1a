package screen_test

import (
	"fmt"

	"github.com/ptykeeper/ptykeeper/ptykeeper/screen"
)

func ExampleScreen() {
	s := screen.New(20, 3)
	s.Write([]byte("\x1b[1mhello\x1b[0m, \x1b[32mworld\x1b[0m\r\n$ "))
	fmt.Printf("%q\n", s.AppendText(nil, false))
	x, y := s.Cursor()
	fmt.Println(x, y)
	// Output:
	// "hello, world\n$\n"
	// 2 1
}

// A client that fell behind gets what changed since the frame it has.
func ExampleScreen_AppendDiff() {
	s := screen.New(20, 3)
	s.Write([]byte("$ make\r\n"))
	var sent screen.Frame
	s.Snapshot(&sent) // what the client's terminal shows
	s.Write([]byte("ok\r\n$ "))
	fmt.Printf("%q\n", s.AppendDiff(nil, &sent))
	// Output:
	// "ok\x1b[3H$\x1b[3;3H"
}
