// systemd.go owns what the hand-over tells systemd beyond what the daemon
// already sends (READY=1 after it, from the new image).

package handover

import (
	"fmt"

	sd "github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"
)

// Reloading tells systemd (Type=notify) that the service is reloading:
// "RELOADING=1" with "MONOTONIC_USEC=" the current CLOCK_MONOTONIC time in
// microseconds (sd_notify(3): it lets systemd synchronise the reload cycle
// with the READY=1 that ends it). Send READY=1 when done
// (the new image after adopting, or the old one after abandoning). Without
// NOTIFY_SOCKET it does nothing. NOTIFY_SOCKET is left set (later READY=1
// and watchdog pings need it).
func Reloading() error {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return fmt.Errorf("notify systemd: read CLOCK_MONOTONIC: %w", err)
	}
	msg := fmt.Sprintf("%s\nMONOTONIC_USEC=%d", sd.SdNotifyReloading, ts.Nano()/1000)
	if _, err := sd.SdNotify(false, msg); err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	return nil
}
