package logfile

import "syscall"

const syscallNonblock = syscall.O_NONBLOCK

func syscallMkfifo(p string) error { return syscall.Mkfifo(p, 0o600) }
