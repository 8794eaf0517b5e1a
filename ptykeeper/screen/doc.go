// Package screen is ptykeeper's terminal model: a parser for what a program
// writes to its terminal, the screens it draws on (main and, while in use,
// alternate), every mode and setting a terminal keeps, and the bytes that
// put another terminal into exactly the same state (a repaint, or the
// difference from an earlier frame).
//
// The model sits on the PTY drain path, so Write is built to be fast and
// allocation-free: printable ASCII runs are copied straight into the row,
// UTF-8 is decoded only for bytes >= 0x80, parameters live in a fixed array,
// and scrolling moves an index over a ring of rows instead of copying cells.
// It never panics, whatever the input or the sizes.
//
// Behaviour follows xterm as tmux 3.3a implements it (tmux is the reference
// terminal of the differential tests), with these deliberate differences:
//   - invalid UTF-8 shows as U+FFFD (tmux drops it), code points without a
//     width (unassigned) take one column (tmux drops them);
//   - the DECSC saved cursor is kept per screen, includes the wrap-pending
//     flag, and the 1049 switch saves into the main screen's slot (xterm);
//   - hyperlinks (OSC 8) are kept and are not ended by SGR 0;
//   - CHT, HPR, VPR, DECSTR, LNM, DECSCNM, 1048 and the title stack are
//     handled as xterm does (tmux 3.3a ignores some of them).
//
// A Screen is not goroutine-safe: one owner calls everything.
package screen
