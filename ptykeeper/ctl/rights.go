// rights.go names what a caller may do. Every command needs one right (see
// the table in table.go); a transport decides which rights its caller holds:
// the Unix socket's peer (the daemon's own user, or root) holds them all, an
// SSH key holds Use plus what the config grants it.

package ctl

import (
	"fmt"
	"slices"
	"strings"
)

// Rights is a set of rights. The zero value holds none.
type Rights uint16

// The rights. Use is what every SSH key holds; the others change things and
// are granted per key.
const (
	// Use: attach (typing included, and -r), ls, status, logs, snapshot,
	// help, version. What the owner of a session needs to use it.
	Use Rights = 1 << iota
	Start
	Stop
	Restart
	Send
	Kill
	Reload
	// New starts a program; over SSH it also needs ssh.new_sessions_user.
	New
	// Upgrade replaces the daemon's binary (the command comes with issue 12).
	Upgrade
)

// Groups of rights, by the name a config grants them with.
const (
	// Control is start, stop and restart.
	Control = Start | Stop | Restart
	// Admin is every right.
	Admin = Use | Control | Send | Kill | Reload | New | Upgrade
)

// rightNames are the names a config uses, single rights first, then groups.
var rightNames = []struct {
	name   string
	rights Rights
}{
	{"use", Use}, {"start", Start}, {"stop", Stop}, {"restart", Restart},
	{"send", Send}, {"kill", Kill}, {"reload", Reload}, {"new", New}, {"upgrade", Upgrade},
	{"control", Control}, {"admin", Admin},
}

// RightNames lists every name ParseRights accepts.
func RightNames() []string {
	out := make([]string, len(rightNames))
	for i, r := range rightNames {
		out[i] = r.name
	}
	return out
}

// ParseRight parses one right or group name ("kill", "control", ...).
func ParseRight(name string) (Rights, error) {
	for _, r := range rightNames {
		if r.name == name {
			return r.rights, nil
		}
	}
	return 0, fmt.Errorf("unknown right %q (rights: %s)", name, strings.Join(RightNames(), ", "))
}

// ParseRights parses a list of right and group names into one set.
func ParseRights(names []string) (Rights, error) {
	var set Rights
	for _, n := range names {
		r, err := ParseRight(n)
		if err != nil {
			return 0, err
		}
		set |= r
	}
	return set, nil
}

// Has reports whether every right in need is in r.
func (r Rights) Has(need Rights) bool { return r&need == need }

// Names lists r by name, using a group's name where r holds the whole group
// ("admin", or "control" instead of start, stop, restart); what ParseRights
// turns back into r.
func (r Rights) Names() []string {
	if r.Has(Admin) {
		return []string{"admin"}
	}
	var out []string
	if r.Has(Control) {
		out = append(out, "control")
		r &^= Control
	}
	for _, n := range rightNames {
		if n.rights&(n.rights-1) == 0 && r.Has(n.rights) { // single rights only
			out = append(out, n.name)
		}
	}
	slices.Sort(out)
	return out
}

// String is Names joined by commas.
func (r Rights) String() string { return strings.Join(r.Names(), ",") }
