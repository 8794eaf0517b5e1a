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
// Behaviour follows xterm as tmux 3.3a implements it: tmux is the reference
// terminal of the differential tests, and its quirks are kept where they
// change what is shown (DECSTBM homes to the top left corner even in origin
// mode, RIS stays on the alternate screen, one DECSC slot for both screens
// and a separate one for the 1049 switch, a restored cursor forgets a
// pending wrap, REP repeats only ASCII, ESC ( A is ignored, tmux's line
// drawing set). Widths are glibc 2.36's, as tmux on Debian 12 gets them.
// Deliberate differences from tmux 3.3a:
//   - invalid UTF-8 shows as U+FFFD (tmux drops it); code points without a
//     width (unassigned) take one column (tmux drops them);
//   - IL and DL put the cursor in column 1, as xterm does;
//   - CHT, HPR, VPR, LNM (20), DECSTR, modes 5, 45, 66, 1007, 1015, 1016,
//     1048, X10 and highlight mouse tracking, modifyOtherKeys values, and
//     the title stack depth (10) are as xterm has them;
//   - the mouse encodings (1005, 1006, 1015, 1016), like the tracking
//     modes, are one choice, the last set (xterm);
//   - DECRC with origin mode keeps the cursor inside the scroll region
//     (xterm), so that origin mode never leaves the cursor below it;
//   - hyperlinks (OSC 8) are kept, and SGR 0 does not end them;
//   - a cursor position report is relative to the region in origin mode and
//     gives the last column while a wrap is pending (xterm);
//   - three tmux bugs are not copied: overwriting the right half of a wide
//     character in column 1 keeps its left half, insert mode pushing a wide
//     character half off the line keeps it, ICH right after a wrapped line
//     of text reorders it.
//
// A Screen is not goroutine-safe: one owner calls everything.
package screen
