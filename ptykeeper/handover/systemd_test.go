package handover_test

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ptykeeper/ptykeeper/ptykeeper/handover"
	"golang.org/x/sys/unix"
)

func monotonicUsec() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano() / 1000
}

func TestReloading(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify")
	sock, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	t.Setenv("NOTIFY_SOCKET", path)
	before := monotonicUsec()
	if err := handover.Reloading(); err != nil {
		t.Fatal(err)
	}
	after := monotonicUsec()
	sock.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 256)
	n, err := sock.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(buf[:n]), "\n")
	if len(lines) != 2 || lines[0] != "RELOADING=1" || !strings.HasPrefix(lines[1], "MONOTONIC_USEC=") {
		t.Fatalf("notification %q, want RELOADING=1 and MONOTONIC_USEC=", buf[:n])
	}
	usec, err := strconv.ParseInt(strings.TrimPrefix(lines[1], "MONOTONIC_USEC="), 10, 64)
	if err != nil || usec < before || usec > after {
		t.Errorf("MONOTONIC_USEC=%d, want between %d and %d", usec, before, after)
	}
	if os.Getenv("NOTIFY_SOCKET") != path {
		t.Error("Reloading unset NOTIFY_SOCKET: later READY=1 and watchdog pings need it")
	}
}

func TestReloadingWithoutSystemd(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if err := handover.Reloading(); err != nil {
		t.Fatalf("Reloading without NOTIFY_SOCKET: %v", err)
	}
}
