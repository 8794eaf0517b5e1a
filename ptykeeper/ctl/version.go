// version.go says which build this is.

package ctl

import "runtime/debug"

// buildVersion, if set at build time (-ldflags "-X
// github.com/ptykeeper/ptykeeper/ptykeeper/ctl.buildVersion=v1.2.3"), is the
// version; the upgrade tests build two binaries that differ only in it.
var buildVersion string

// Version is the module version and commit the binary was built from.
func Version() string {
	if buildVersion != "" {
		return "ptykeeper " + buildVersion
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "ptykeeper (unknown version)"
	}
	v := "ptykeeper " + bi.Main.Version
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v += " commit " + s.Value[:min(12, len(s.Value))]
		case "vcs.modified":
			if s.Value == "true" {
				v += " (modified)"
			}
		}
	}
	return v + " " + bi.GoVersion
}
