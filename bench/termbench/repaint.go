// Repaint: from starting 'ptykeeper attach' to the repainted screen being
// visible.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

// repaint measures from starting 'ptykeeper attach' to the screen's last
// row being visible in the client's terminal, over 20 attaches.
func repaint(dir, self string) string {
	sock := filepath.Join(dir, "rp.sock")
	env := append(os.Environ(), "PTYKEEPER_SOCKET="+sock)
	d := exec.Command(*pk, "serve", "--session", "tui=vim -u NONE -N +help +only")
	d.Env = env
	check(d.Start())
	defer func() { d.Process.Signal(syscall.SIGTERM); d.Wait() }()
	waitFile(sock)
	time.Sleep(time.Second)
	var ds []time.Duration
	for i := 0; i < 20; i++ {
		c := exec.Command(*pk, "attach", "tui")
		c.Env = env
		start := time.Now()
		cl := startClient(c)
		if err := cl.readUntil([]byte("\x1b[?25h"), 5*time.Second); err != nil { // the repaint's last sequence
			cl.close()
			return "failed: " + err.Error()
		}
		ds = append(ds, time.Since(start))
		cl.close()
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return fmt.Sprintf("median %v, max %v (vim showing :help, 80x24, 20 attaches, including the client's own start)", ds[len(ds)/2].Round(10*time.Microsecond), ds[len(ds)-1].Round(10*time.Microsecond))
}
