// strictmodes.go checks the files SSH trusts the way OpenSSH's StrictModes
// does: authorized_keys and the host key, and every folder above them, must
// belong to root or to the daemon's user and must not be writable by group
// or others; the host key must not be readable by them either. Whoever can
// change one of those files can log in (or pose as the server).

package sshd

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// FileError is a file refused by the StrictModes checks.
type FileError struct {
	What string      // "authorized_keys", "host key"
	Path string      // the file or folder at fault
	Mode fs.FileMode // its mode
	Msg  string      // what is wrong and how to fix it
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%s refused: %s (mode %v) %s", e.What, e.Path, e.Mode, e.Msg)
}

// checkFile checks path and the folders above it, up to the daemon's home
// folder when path is inside it (as OpenSSH stops at the user's home), else
// up to /. private also refuses a file others may read (a private key).
func checkFile(what, path string, private bool) error {
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	home := ""
	if h, err := os.UserHomeDir(); err == nil {
		if h, err = filepath.EvalSymlinks(h); err == nil {
			home = h
		}
	}
	uid := os.Getuid()
	st, err := os.Stat(real)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if !st.Mode().IsRegular() {
		return &FileError{What: what, Path: real, Mode: st.Mode(), Msg: "is not a regular file"}
	}
	if e := checkOwnerMode(what, real, st, uid, private); e != nil {
		return e
	}
	for dir := filepath.Dir(real); ; dir = filepath.Dir(dir) {
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if e := checkOwnerMode(what, dir, st, uid, false); e != nil {
			return e
		}
		if dir == home || dir == "/" {
			return nil
		}
	}
}

func checkOwnerMode(what, path string, st fs.FileInfo, uid int, private bool) *FileError {
	owner := -1
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		owner = int(sys.Uid)
	}
	mode := st.Mode()
	switch {
	case owner != 0 && owner != uid:
		return &FileError{What: what, Path: path, Mode: mode, Msg: fmt.Sprintf("belongs to uid %d, not to root or the daemon's user (uid %d): its owner could let anyone in; chown it, or keep the file somewhere the daemon's user owns (a daemon running as root: /etc/ptykeeper/)", owner, uid)}
	case mode.Perm()&0o022 != 0 && mode&fs.ModeSticky != 0:
		return &FileError{What: what, Path: path, Mode: mode, Msg: "is a folder everybody may write to, so anyone could put their own file in its place (OpenSSH's StrictModes refuses it too); keep the file out of shared folders"}
	case mode.Perm()&0o022 != 0:
		return &FileError{What: what, Path: path, Mode: mode, Msg: "is writable by group or others, so anyone could let themselves in (OpenSSH's StrictModes refuses it too); chmod go-w " + path}
	case private && mode.Perm()&0o077 != 0:
		return &FileError{What: what, Path: path, Mode: mode, Msg: "is a private key that group or others may read; chmod 600 " + path}
	}
	return nil
}
