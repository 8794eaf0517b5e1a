// keeper.go holds the daemon's named sessions.

package ptykeeper

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Keeper is the set of sessions one daemon keeps.
type Keeper struct {
	opts Options

	mu       sync.Mutex // guards sessions and adding
	sessions map[string]*Session
	adding   map[string]bool // names being added: taken, not yet visible
}

// New returns an empty keeper.
func New(o Options) *Keeper {
	return &Keeper{opts: o.withDefaults(), sessions: map[string]*Session{}, adding: map[string]bool{}}
}

// ErrExists is returned when adding a session whose name is taken.
var ErrExists = errors.New("session exists")

// NotFoundError names a missing session and lists the existing ones.
type NotFoundError struct {
	Name     string
	Existing []string
}

func (e *NotFoundError) Error() string {
	if len(e.Existing) == 0 {
		return fmt.Sprintf("no session %q (there are no sessions; add one with 'ptykeeper new NAME -- COMMAND')", e.Name)
	}
	return fmt.Sprintf("no session %q (sessions: %s)", e.Name, strings.Join(e.Existing, ", "))
}

// Add creates a session from spec and, if spec.Autostart, starts it. A
// program that cannot be started leaves no session behind when it never
// restarts by itself. The session becomes visible (Get, List) only once it
// was started: a client attaching at once must not find it STOPPED.
func (k *Keeper) Add(spec Spec) (*Session, error) {
	spec = spec.Defaults()
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	k.mu.Lock()
	if _, ok := k.sessions[spec.Name]; ok || k.adding[spec.Name] {
		k.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrExists, spec.Name)
	}
	k.adding[spec.Name] = true
	k.mu.Unlock()
	s := newSession(spec, k.opts)
	var err error
	if spec.Autostart {
		err = s.Start()
	}
	k.mu.Lock()
	delete(k.adding, spec.Name)
	if err != nil && spec.Restart == RestartNever {
		k.mu.Unlock()
		s.remove()
		s.wg.Wait()
		return nil, err
	}
	k.sessions[spec.Name] = s
	k.mu.Unlock()
	return s, nil
}

// Get returns the named session.
func (k *Keeper) Get(name string) (*Session, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if s, ok := k.sessions[name]; ok {
		return s, nil
	}
	return nil, &NotFoundError{Name: name, Existing: k.namesLocked()}
}

// Names returns the session names, sorted.
func (k *Keeper) Names() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.namesLocked()
}

func (k *Keeper) namesLocked() []string {
	names := make([]string, 0, len(k.sessions))
	for n := range k.sessions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// List returns the status of every session, sorted by name.
func (k *Keeper) List() []Status {
	var out []Status
	for _, n := range k.Names() {
		if s, err := k.Get(n); err == nil {
			out = append(out, s.Status())
		}
	}
	return out
}

// Remove stops the named session's program and removes the session;
// attached clients are told.
func (k *Keeper) Remove(name string) error {
	s, err := k.Get(name)
	if err != nil {
		return err
	}
	err = s.remove()
	s.wg.Wait()
	k.mu.Lock()
	if k.sessions[name] == s {
		delete(k.sessions, name)
	}
	k.mu.Unlock()
	if errors.Is(err, ErrRemoved) {
		err = nil
	}
	return err
}

// Changes is what Apply did.
type Changes struct {
	Added, Changed, Removed, Unchanged []string
}

// Apply makes the keeper's sessions match specs, as a config reload does:
// sessions whose spec is unchanged are not touched (same pid, clients stay
// attached), changed ones get the new spec and restart if they were up,
// removed ones stop and go, new ones start if Autostart.
func (k *Keeper) Apply(specs []Spec) (Changes, error) {
	var ch Changes
	want := map[string]Spec{}
	for _, sp := range specs {
		sp = sp.Defaults()
		if err := sp.Validate(); err != nil {
			return ch, err
		}
		want[sp.Name] = sp
	}
	var errs []error
	for _, name := range k.Names() {
		sp, keep := want[name]
		s, err := k.Get(name)
		if err != nil {
			continue
		}
		switch {
		case !keep:
			ch.Removed = append(ch.Removed, name)
			errs = append(errs, k.Remove(name))
		case reflect.DeepEqual(s.Spec(), sp):
			ch.Unchanged = append(ch.Unchanged, name)
		default:
			ch.Changed = append(ch.Changed, name)
			errs = append(errs, s.setSpec(sp))
		}
		delete(want, name)
	}
	var added []string
	for name := range want {
		added = append(added, name)
	}
	sort.Strings(added)
	for _, name := range added {
		ch.Added = append(ch.Added, name)
		_, err := k.Add(want[name])
		errs = append(errs, err)
	}
	return ch, errors.Join(errs...)
}

// Shutdown stops every session in parallel and removes them. It returns
// when all programs are reaped, or ctx is done.
func (k *Keeper) Shutdown(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		var wg sync.WaitGroup
		for _, n := range k.Names() {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k.Remove(n)
			}()
		}
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
