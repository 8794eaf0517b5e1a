// statefile.go owns the state file: an anonymous, sealed memfd holding one
// container, made by the old image and read by the dry run and the new image.

package handover

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// stateName is the memfd's name, shown in /proc/PID/fd as
// "/memfd:ptykeeper-state".
const stateName = "ptykeeper-state"

// NewStateFile encodes v into a new memfd, seals it against any change
// (write, grow, shrink, further seals) and rewinds it. Sealing matters: the
// dry-run child gets the same file, and whatever that binary does, the state
// the new image reads is the state the old one wrote.
//
// The file keeps FD_CLOEXEC: Check passes it to the dry run explicitly and
// Exec clears the flag at the last moment. The caller closes it when the
// hand-over is abandoned; after a successful Exec the new image owns it.
func (f Format) NewStateFile(v any) (*os.File, error) {
	if err := f.valid(); err != nil {
		return nil, err
	}
	fd, err := unix.MemfdCreate(stateName, unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("create state memfd: %w", err)
	}
	file := os.NewFile(uintptr(fd), stateName)
	if err := f.fill(file, v); err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}

func (f Format) fill(file *os.File, v any) error {
	w := bufio.NewWriterSize(file, 1<<16)
	if err := f.Encode(w, v); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write state memfd: %w", err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if err := control(file, func(fd int) error {
		_, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals)
		return err
	}); err != nil {
		return fmt.Errorf("seal state memfd: %w", err)
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind state memfd: %w", err)
	}
	return nil
}

// OpenStateFile takes over fd as a state file (the dry run's fd 3, or the
// fd Resume found): it checks that fd is open and a regular file (a memfd
// is one), marks it close-on-exec so no program inherits it, and rewinds it
// (the dry run shares the file offset with the old image).
func OpenStateFile(fd int) (*os.File, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, fmt.Errorf("state fd %d: %w", fd, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, fmt.Errorf("state fd %d is not a state file (mode %#o)", fd, st.Mode)
	}
	if err := setCloexec(fd, true); err != nil {
		return nil, fmt.Errorf("state fd %d: %w", fd, err)
	}
	file := os.NewFile(uintptr(fd), stateName)
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		file.Close()
		return nil, fmt.Errorf("rewind state fd %d: %w", fd, err)
	}
	return file, nil
}
