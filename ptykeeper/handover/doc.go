// Package handover is the mechanism behind `ptykeeper upgrade`: a running
// daemon replaces its own program image with a new binary (execve, same pid)
// and hands over its state and open file descriptors, so the programs it
// keeps stay its children and never see their terminals hang up.
//
// The package knows nothing of sessions or clients. It moves three things
// across an execve:
//
//   - the state: the caller's JSON-encodable value, in a versioned,
//     checksummed container ([Format]) inside a sealed memfd
//     ([Format.NewStateFile]); its fd number travels in the environment
//     ([EnvStateFD]);
//   - file descriptors: PTY masters, listeners, client connections, lock
//     files, named by number inside the state ([FD], [Inherit]) and adopted
//     by the new image ([AdoptFile], [AdoptListener], [AdoptConn]);
//   - the verdict of a dry run: before the old image gives itself up, the
//     new binary decodes the state in a child process and says "ok"
//     ([Check], [RunCheck]). An execve that fails returns, but one that
//     "succeeds" into a binary that cannot read the state loses everything,
//     so nothing is replaced until the dry run has said yes.
//
// # Old image (the daemon that is being replaced)
//
//	freeze sessions (stop reading PTYs and clients, stop spawning)
//	fd, err := handover.FD(x) for each PTY master, listener, client, lock file
//	st, err := format.NewStateFile(state)        // state names those fds
//	err = handover.Check(ctx, binary, st, start) // the new binary's dry run
//	handover.Reloading()                         // systemd: RELOADING=1
//	err = handover.Exec(binary, argv, env, st, fds...) // returns only on failure
//	on any error: st.Close(), unfreeze, carry on (READY=1 if Reloading was sent)
//
// Exec clears close-on-exec on the state file and on fds itself, at the last
// moment and under [syscall.ForkLock], and restores the flags if execve
// fails. [Inherit] clears them earlier, as a separate step, for callers that
// need that; every child forked after it (the dry run included) then
// inherits those fds too, and anything that marks all fds close-on-exec
// before a fork (ptykeeper's reaper does) silently undoes it. [Disinherit]
// undoes Inherit on the abort path.
//
// # New image
//
//	main: handover.RunCheck(decode) first thing (answers a dry run, exits)
//	st, resumed, err := handover.Resume()   // reads and unsets EnvStateFD
//	format.Decode(st, &state); st.Close()
//	AdoptFile / AdoptListener / AdoptConn for every fd the state names
//	register the programs' pids with the reaper before reaping anything
//	resume readers; systemd READY=1
//
// What survives execve, and what does not (Linux): the pid, the parent, the
// children (their exit statuses are still ours to collect), fds without
// FD_CLOEXEC (including any this process inherited that way from its own
// parent), flock(2) locks held through those fds, PR_SET_CHILD_SUBREAPER,
// ignored signals (SIG_IGN stays SIG_IGN), the signal mask. (fcntl(2)
// record locks survive too, but closing any fd of the file drops them, and
// execve closes the close-on-exec ones.)
//
// Lost: every goroutine and all memory, signal handlers (reset to default:
// SIGCHLD is discarded until the new image asks for it again, so children
// that exit meanwhile stay zombies until reaped), fds with FD_CLOEXEC (Go
// opens everything that way), timers. The tests check the pid, the child,
// the fds, the flock and the subreaper bit across a real execve.
package handover
