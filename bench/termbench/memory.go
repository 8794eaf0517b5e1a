// Memory: the daemon's RSS with one session, then with sessions holding
// history.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// memory: RSS with one session, then with 11 sessions each holding 10,000
// lines of history.
func memory(dir, self string) {
	sock := filepath.Join(dir, "mem.sock")
	env := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	d := exec.Command(*pk, "serve", "--session", "s0=sleep 3600")
	d.Env = env
	check(d.Start())
	defer func() { d.Process.Signal(syscall.SIGTERM); d.Wait() }()
	waitFile(sock)
	time.Sleep(3 * time.Second)
	one := rss(d.Process.Pid)
	fmt.Printf("memory: RSS with one session: %.1f MiB\n", float64(one)/1024)
	const n = 10
	for i := 1; i <= n; i++ {
		c := exec.Command(*pk, "new", fmt.Sprintf("s%d", i), "--", "sh", "-c", `i=0; while [ $i -lt 10000 ]; do echo "line $i of a session's history, as a chat client or a log tail prints it"; i=$((i+1)); done; exec sleep 3600`)
		c.Env = env
		check(c.Run())
	}
	time.Sleep(13 * time.Second) // history compacts 2 s after output pauses; memory goes back at most every 10 s
	all := rss(d.Process.Pid)
	fmt.Printf("memory: RSS with %d more sessions of 10,000 lines each: %.1f MiB, %.2f MiB per session\n", n, float64(all)/1024, float64(all-one)/1024/n)
}
