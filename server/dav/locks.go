package dav

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"golang.org/x/net/webdav"
)

// lockSystem is a webdav.LockSystem whose locks outlive a restart: a lock a client took is
// written to the catalog before the client is told it has it. Every lock it holds is a
// client's (see Create).
type lockSystem struct {
	cat *catalog.Catalog
	log *slog.Logger
	mu  sync.Mutex
	// locks by token. A home server holds a handful, so a linear scan is the simplest
	// correct conflict check.
	locks map[string]*lock
	// etag returns the current entity tag of a resource ("" when it does not exist), for
	// the entity-tag conditions of If headers.
	etag func(name string) string
}

type lock struct {
	d       webdav.LockDetails
	token   string
	shared  bool
	expires time.Time // zero: never
	held    int       // requests working under it
	// principal is the user who took it: only they may use its token (RFC 4918 6.4).
	// "" for a lock taken before owners were kept, usable by anyone until it expires.
	principal string
}

// usableBy reports whether user may submit l's token.
func (l *lock) usableBy(user string) bool {
	return l.principal == "" || strings.EqualFold(l.principal, user)
}

var _ webdav.LockSystem = (*lockSystem)(nil)

// newLockSystem loads the locks kept in the catalog, dropping expired ones.
func newLockSystem(ctx context.Context, cat *catalog.Catalog, log *slog.Logger) (*lockSystem, error) {
	ls := &lockSystem{cat: cat, log: log, locks: map[string]*lock{}}
	var saved []catalog.Lock
	if err := cat.View(ctx, func(tx *catalog.Tx) (err error) { saved, err = tx.Locks(ctx); return err }); err != nil {
		return nil, err
	}
	now := time.Now()
	for _, l := range saved {
		if !l.Expires.IsZero() && !now.Before(l.Expires) {
			ls.forget(l.Token)
			continue
		}
		ls.locks[l.Token] = &lock{token: l.Token, expires: l.Expires, shared: l.Shared, principal: l.Principal, d: webdav.LockDetails{
			Root: l.Root, Duration: l.Duration, OwnerXML: l.OwnerXML, ZeroDepth: l.ZeroDepth}}
	}
	return ls, nil
}

func cleanName(n string) string {
	n = path.Clean("/" + n)
	return n
}

// covers reports whether l applies to name: its root, or below it when it is deep.
func (l *lock) covers(name string) bool {
	if name == l.d.Root {
		return true
	}
	return !l.d.ZeroDepth && (l.d.Root == "/" || strings.HasPrefix(name, l.d.Root+"/"))
}

func (ls *lockSystem) expire(now time.Time) {
	for t, l := range ls.locks {
		if !l.expires.IsZero() && !now.Before(l.expires) && l.held == 0 {
			delete(ls.locks, t)
			ls.forget(t)
		}
	}
}

func (ls *lockSystem) forget(token string) {
	err := ls.cat.Update(context.Background(), func(tx *catalog.Tx) error { return tx.DeleteLock(context.Background(), token) })
	if err != nil && ls.log != nil {
		ls.log.Warn("could not forget a WebDAV lock", "err", err)
	}
}

// Confirm evaluates one list of an If header (RFC 4918 10.4) against name0: every
// condition must hold (a lock token names a lock on name0, an entity tag is name0's,
// each possibly negated). Then each of name0 and name1 that is locked must have one of
// its locks' tokens in the list. The locks so used are held until release is called.
func (ls *lockSystem) Confirm(now time.Time, name0, name1 string, conditions ...webdav.Condition) (func(), error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.expire(now)
	if name0 != "" && !ls.holds(cleanName(name0), conditions) {
		return nil, webdav.ErrConfirmationFailed
	}
	var used []*lock
	for _, name := range []string{name0, name1} {
		if name == "" {
			continue
		}
		l, ok := ls.submitted(cleanName(name), conditions)
		if !ok {
			return nil, webdav.ErrConfirmationFailed
		}
		if l != nil {
			used = append(used, l)
		}
	}
	for _, l := range used {
		l.held++
	}
	return func() {
		ls.mu.Lock()
		defer ls.mu.Unlock()
		for _, l := range used {
			l.held--
		}
	}, nil
}

// holds reports whether every condition of a list is true of name.
func (ls *lockSystem) holds(name string, conditions []webdav.Condition) bool {
	etag := ""
	for _, c := range conditions {
		var ok bool
		if c.Token != "" {
			l := ls.locks[c.Token]
			ok = l != nil && l.covers(name)
		} else {
			if etag == "" && ls.etag != nil {
				etag = ls.etag(name)
			}
			ok = etag != "" && strings.TrimPrefix(c.ETag, "W/") == etag
		}
		if ok == c.Not {
			return false
		}
	}
	return true
}

// submitted reports whether name is free of locks or one of the locks on it is named
// by a (not negated) condition, and returns that lock.
func (ls *lockSystem) submitted(name string, conditions []webdav.Condition) (*lock, bool) {
	locked := false
	for _, l := range ls.locks {
		if !l.covers(name) {
			continue
		}
		locked = true
		for _, c := range conditions {
			if !c.Not && c.Token == l.token {
				return l, true
			}
		}
	}
	return nil, !locked
}

// Create is the engine's check, for a changing request that names no lock token, that no
// client holds a lock in its way. The engine would take a short exclusive lock per
// request for this; Hearth holds none: two requests for one new name race in the pool,
// which decides (one MKCOL makes the folder, the others get 405), instead of one
// request's passing lock answering the other 423 Locked though no client holds a lock.
func (ls *lockSystem) Create(now time.Time, d webdav.LockDetails) (string, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if err := ls.conflict(now, d, false); err != nil {
		return "", err
	}
	return "urn:uuid:" + newUUID(), nil
}

// conflict is ErrLocked when a lock on d would overlap one held (the same root, a deep
// lock above, or, for a deep lock, any lock below) where either is exclusive.
func (ls *lockSystem) conflict(now time.Time, d webdav.LockDetails, shared bool) error {
	ls.expire(now)
	root := cleanName(d.Root)
	for _, l := range ls.locks {
		below := root == "/" || strings.HasPrefix(l.d.Root, root+"/")
		overlap := l.covers(root) || (!d.ZeroDepth && below)
		if overlap && !(shared && l.shared) {
			return webdav.ErrLocked
		}
	}
	return nil
}

// create takes a lock for principal unless it conflicts with one held or they hold
// their fill of locks already.
func (ls *lockSystem) create(now time.Time, d webdav.LockDetails, shared bool, principal string) (*lock, error) {
	if err := ls.conflict(now, d, shared); err != nil {
		return nil, err
	}
	n := 0
	for _, l := range ls.locks {
		if strings.EqualFold(l.principal, principal) {
			n++
		}
	}
	if n >= maxLocksPerUser {
		return nil, errTooManyLocks
	}
	d.Root = cleanName(d.Root)
	l := &lock{d: d, token: "urn:uuid:" + newUUID(), shared: shared, principal: principal}
	if d.Duration >= 0 {
		l.expires = now.Add(d.Duration)
	}
	ls.locks[l.token] = l
	return l, nil
}

// take is a client's LOCK, for principal: the lock is in the catalog before take returns.
func (ls *lockSystem) take(now time.Time, d webdav.LockDetails, shared bool, principal string) (*lock, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	l, err := ls.create(now, d, shared, principal)
	if err != nil {
		return nil, err
	}
	if err := ls.save(l); err != nil {
		delete(ls.locks, l.token)
		return nil, err
	}
	c := *l
	return &c, nil
}

// on returns copies of the locks that cover name, for lockdiscovery.
func (ls *lockSystem) on(now time.Time, name string) []lock {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.expire(now)
	name = cleanName(name)
	var out []lock
	for _, l := range ls.locks {
		if l.covers(name) {
			out = append(out, *l)
		}
	}
	return out
}

func (ls *lockSystem) Refresh(now time.Time, token string, duration time.Duration) (webdav.LockDetails, error) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.expire(now)
	l := ls.locks[token]
	if l == nil {
		return webdav.LockDetails{}, webdav.ErrNoSuchLock
	}
	next := *l // saved first, so memory and catalog never disagree
	next.d.Duration, next.expires = duration, time.Time{}
	if duration >= 0 {
		next.expires = now.Add(duration)
	}
	if err := ls.save(&next); err != nil {
		return webdav.LockDetails{}, err
	}
	*l = next
	return l.d, nil
}

func (ls *lockSystem) Unlock(now time.Time, token string) error {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.expire(now)
	l := ls.locks[token]
	if l == nil {
		return webdav.ErrNoSuchLock
	}
	delete(ls.locks, token)
	return ls.cat.Update(context.Background(), func(tx *catalog.Tx) error { return tx.DeleteLock(context.Background(), token) })
}

func (ls *lockSystem) save(l *lock) error {
	return ls.cat.Update(context.Background(), func(tx *catalog.Tx) error {
		return tx.PutLock(context.Background(), catalog.Lock{Token: l.token, Root: l.d.Root, ZeroDepth: l.d.ZeroDepth, Shared: l.shared,
			OwnerXML: l.d.OwnerXML, Duration: l.d.Duration, Expires: l.expires, Principal: l.principal})
	})
}

// foreign returns the user who holds the first of tokens that names a lock user may not
// use ("" when user may use them all; a token of no lock is the If header's business).
func (ls *lockSystem) foreign(tokens []string, user string) string {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for _, t := range tokens {
		if l := ls.locks[t]; l != nil && !l.usableBy(user) {
			return l.principal
		}
	}
	return ""
}

// dropUnder forgets the locks on name and everything below it, after name was deleted
// or moved away: a lock does not move with its resource (RFC 4918 7.7), and a stale one
// would keep the old name locked.
func (ls *lockSystem) dropUnder(name string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	name = cleanName(name)
	for t, l := range ls.locks {
		if l.d.Root == name || name == "/" || strings.HasPrefix(l.d.Root, name+"/") {
			delete(ls.locks, t)
			ls.forget(t)
		}
	}
}

// lockTarget is a name a request changes; tree: and everything below it.
type lockTarget struct {
	name string
	tree bool
}

// blocked evaluates the If lists (each against its resource; "" never holds) and
// reports whether any is true, and the first target name (or locked name below one)
// whose locks none of the true lists submits.
func (ls *lockSystem) blocked(now time.Time, targets []lockTarget, lists []ifList) (anyTrue bool, root string, locked bool) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	ls.expire(now)
	submitted := map[string]bool{}
	for _, l := range lists {
		if l.resource == "" || !ls.holds(cleanName(l.resource), l.conds) {
			continue
		}
		anyTrue = true
		for _, c := range l.conds {
			if !c.Not && c.Token != "" {
				submitted[c.Token] = true
			}
		}
	}
	free := func(n string) bool {
		held := false
		for _, l := range ls.locks {
			if l.covers(n) {
				if submitted[l.token] {
					return true
				}
				held = true
			}
		}
		return !held
	}
	for _, t := range targets {
		n := cleanName(t.name)
		if !free(n) {
			return anyTrue, n, true
		}
		if !t.tree {
			continue
		}
		for _, l := range ls.locks {
			if (n == "/" || strings.HasPrefix(l.d.Root, n+"/")) && !free(l.d.Root) {
				return anyTrue, l.d.Root, true
			}
		}
	}
	return anyTrue, "", false
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
