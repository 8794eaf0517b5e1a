// keeper.go holds the daemon's named sessions.

package ptykeeper

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Keeper is the set of sessions one daemon keeps.
type Keeper struct {
	mu       sync.Mutex // guards everything below
	opts     Options
	sessions map[string]*Session
	adding   map[string]bool // names being added: taken, not yet visible
	// managed names the sessions that came from the config (through
	// Apply): a reload adds, changes and removes only those. Sessions
	// added one by one (`new`) stay until removed, unless the config
	// names them; then the config takes them over.
	managed map[string]bool
	closed  bool // Shutdown began: nothing is added any more
}

// ErrShutdown is returned when adding a session to a keeper shutting down.
var ErrShutdown = errors.New("the daemon is shutting down")

// New returns an empty keeper.
func New(o Options) *Keeper {
	return &Keeper{opts: o.withDefaults(), sessions: map[string]*Session{}, adding: map[string]bool{}, managed: map[string]bool{}}
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
	if k.closed {
		k.mu.Unlock()
		return nil, ErrShutdown
	}
	if _, ok := k.sessions[spec.Name]; ok || k.adding[spec.Name] {
		k.mu.Unlock()
		return nil, fmt.Errorf("%w: %s", ErrExists, spec.Name)
	}
	k.adding[spec.Name] = true
	opts := k.opts
	k.mu.Unlock()
	s := newSession(spec, opts)
	var err error
	if spec.Autostart {
		err = s.Start()
	}
	k.mu.Lock()
	delete(k.adding, spec.Name)
	if k.closed || (err != nil && spec.Restart == RestartNever) {
		if err == nil {
			err = ErrShutdown
		}
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
		delete(k.managed, name)
	}
	k.mu.Unlock()
	if errors.Is(err, ErrRemoved) {
		err = nil
	}
	return err
}

// Changes is what Apply did, and what it could not do.
type Changes struct {
	Added, Changed, Resized, Removed, Unchanged []string
	Failed                                      map[string]error
}

// Apply makes the config's sessions match specs, as a config reload does:
// sessions whose spec is unchanged are not touched (same pid, clients stay
// attached); a new size alone resizes the PTY (the program gets SIGWINCH)
// while nobody is attached; other changes take the new spec and restart the
// program if it was up (stopped the way it was started); sessions the
// config no longer names stop and go; new ones start if Autostart. Sessions
// made with Add (`new`) are left alone unless specs names them. Every
// session's change runs at once, in parallel: one slow stop does not delay
// the others. An error names each session that failed; the rest is done.
func (k *Keeper) Apply(specs []Spec) (Changes, error) {
	ch := Changes{Failed: map[string]error{}}
	want := map[string]Spec{}
	for _, sp := range specs {
		sp = sp.Defaults()
		if err := sp.Validate(); err != nil {
			return ch, err
		}
		want[sp.Name] = sp
	}
	var mu sync.Mutex // guards ch
	note := func(list *[]string, name string, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			ch.Failed[name] = err
			return
		}
		*list = append(*list, name)
	}
	var wg sync.WaitGroup
	k.mu.Lock()
	for name, s := range k.sessions {
		sp, keep := want[name]
		delete(want, name)
		managed := k.managed[name]
		switch {
		case !keep && !managed:
			// made with `new`: not the config's
		case !keep:
			wg.Go(func() { note(&ch.Removed, name, k.Remove(name)) })
		case reflect.DeepEqual(s.Spec(), sp):
			k.managed[name] = true
			ch.Unchanged = append(ch.Unchanged, name)
		default:
			k.managed[name] = true
			list := &ch.Changed
			if sameExceptSize(s.Spec(), sp) {
				list = &ch.Resized
			}
			wg.Go(func() { note(list, name, s.setSpec(sp)) })
		}
	}
	k.mu.Unlock()
	for name, sp := range want {
		wg.Go(func() {
			_, err := k.Add(sp)
			if err == nil {
				k.mu.Lock()
				k.managed[name] = true
				k.mu.Unlock()
			}
			note(&ch.Added, name, err)
		})
	}
	wg.Wait()
	for _, l := range []*[]string{&ch.Added, &ch.Changed, &ch.Resized, &ch.Removed, &ch.Unchanged} {
		sort.Strings(*l)
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(ch.Failed)) {
		errs = append(errs, fmt.Errorf("%s: %w", name, ch.Failed[name]))
	}
	return ch, errors.Join(errs...)
}

// SetSizePolicy changes the size policy of every session, now and later.
func (k *Keeper) SetSizePolicy(p SizePolicy) {
	k.mu.Lock()
	k.opts.SizePolicy = p
	list := k.listLocked()
	k.mu.Unlock()
	for _, s := range list {
		s.setPolicy(p)
	}
}

// SetSink changes where sessions' output lines are logged (nil: nowhere):
// every session's log is reopened with it.
func (k *Keeper) SetSink(open func(session string) (LineSink, error)) {
	k.mu.Lock()
	k.opts.Sink = open
	list := k.listLocked()
	k.mu.Unlock()
	for _, s := range list {
		s.setSink(s.openSink(open))
	}
}

func (k *Keeper) listLocked() []*Session {
	list := make([]*Session, 0, len(k.sessions))
	for _, s := range k.sessions {
		list = append(list, s)
	}
	return list
}

// Shutdown stops every session in parallel and removes them. It returns
// when all programs are reaped, or ctx is done.
func (k *Keeper) Shutdown(ctx context.Context) error {
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
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
