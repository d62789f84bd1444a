package backupstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/hearth-home/hearth/backup"
)

// A session is one PC's backup in progress. The blobs it was told the server has, and
// those it sent, are kept by garbage collection until it ends, so its snapshot can rely on
// them.
type session struct {
	pc string
	// parent is the root tree of the backup the PC compares with: kept, like keep.
	parent  *backup.ID
	started time.Time
	seen    time.Time
	keep    map[backup.ID]bool
}

// sessionIdle is how long a silent session lives: a PC that went to sleep mid-backup
// starts a new one, which finds what the old one sent.
const sessionIdle = 2 * time.Hour

// sessionActive: a session heard from this recently is a backup running, and a second
// one for its PC is refused. A PC's client says it is alive more often than this (Touch);
// one that stopped without ending its session (killed, asleep) leaves it to lapse.
const sessionActive = 5 * time.Minute

// BusyError refuses a second backup of a PC while one runs.
type BusyError struct {
	PC      string
	Started time.Time
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("a backup of %s is running already (started %s); it can be started again when that one ends",
		e.PC, e.Started.Local().Format("15:04"))
}

func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// Begin starts a backup of pc. parent is the snapshot the PC compares with, whose blobs it
// reuses without asking; it is kept until the session ends. It reports whether the
// parent exists; when it does not, the PC must read every file.
func (s *Store) Begin(ctx context.Context, pc, owner string, parent *backup.ID) (string, bool, error) {
	if err := backup.CheckPCName(pc); err != nil {
		return "", false, err
	}
	if err := s.ensureShare(ctx); err != nil {
		return "", false, err
	}
	if err := s.claimPC(ctx, pc, owner); err != nil {
		return "", false, err
	}
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:])
	now := s.now()
	sess := &session{pc: pc, started: now, seen: now, keep: map[backup.ID]bool{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked(now)
	for other, o := range s.sessions {
		if o.pc != pc {
			continue
		}
		if now.Sub(o.seen) < sessionActive {
			return "", false, &BusyError{PC: pc, Started: o.started}
		}
		delete(s.sessions, other) // its PC stopped without ending it; what it sent stays
	}
	if parent != nil {
		if p, err := s.snapshot(ctx, pc, *parent); err == nil {
			sess.parent = &p.Tree
		}
	}
	s.sessions[id] = sess
	return id, sess.parent != nil, nil
}

func (s *Store) expireLocked(now time.Time) {
	for id, sess := range s.sessions {
		if now.Sub(sess.seen) > sessionIdle {
			delete(s.sessions, id)
		}
	}
	s.dropPackBufs()
}

func (s *Store) session(id string) (*session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.sessions[id]
	if !ok {
		return nil, ErrNoSession
	}
	sess.seen = s.now()
	return sess, nil
}

// Touch tells the server a session's backup still runs (it reads files the server has,
// and may not ask anything for a while).
func (s *Store) Touch(id string) error {
	_, err := s.session(id)
	return err
}

// SessionPC returns the PC a session backs up.
func (s *Store) SessionPC(id string) (string, error) {
	sess, err := s.session(id)
	if err != nil {
		return "", err
	}
	return sess.pc, nil
}

// End drops a session without a snapshot.
func (s *Store) End(id string) {
	s.mu.Lock()
	delete(s.sessions, id)
	s.dropPackBufs()
	s.mu.Unlock()
}

// Missing returns those of ids the server lacks; the rest are kept for the session.
func (s *Store) Missing(ctx context.Context, sessionID string, ids []backup.ID) ([]backup.ID, error) {
	sess, err := s.session(sessionID)
	if err != nil {
		return nil, err
	}
	// Under the lock: a blob reported present must not be swept before it is kept.
	s.mu.Lock()
	defer s.mu.Unlock()
	have, err := s.present(ctx, ids)
	if err != nil {
		return nil, err
	}
	missing := []backup.ID{}
	for _, id := range ids {
		if have[id] {
			sess.keep[id] = true
		} else {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// Commit checks that everything a snapshot refers to is stored, records it and ends the
// session.
func (s *Store) Commit(ctx context.Context, sessionID string, snap backup.Snapshot) (backup.ID, error) {
	sess, err := s.session(sessionID)
	if err != nil {
		return backup.ID{}, err
	}
	if snap.PC != sess.pc {
		return backup.ID{}, fmt.Errorf("the backup is of %q but the session is for %q", snap.PC, sess.pc)
	}
	snap.Time = s.dateBackup(ctx, snap)
	data, id, err := backup.EncodeSnapshot(snap)
	if err != nil {
		return backup.ID{}, err
	}
	// The walk runs without the lock, so other PCs are not held up; a collection that
	// ran meanwhile makes it run again, holding collections off.
	s.mu.Lock()
	sweeps, known := s.sweeps, maps.Clone(s.complete)
	s.mu.Unlock()
	found := map[backup.ID]bool{}
	missing, err := s.incomplete(ctx, snap.Tree, known, found)
	s.mu.Lock()
	if err == nil && len(missing) == 0 && s.sweeps != sweeps {
		found = map[backup.ID]bool{}
		missing, err = s.incomplete(ctx, snap.Tree, maps.Clone(s.complete), found)
	}
	if err == nil && len(missing) == 0 {
		err = s.writeSnapshot(ctx, snap, data, id)
	}
	if err == nil && len(missing) == 0 {
		maps.Copy(s.complete, found)
		delete(s.sessions, sessionID)
		s.dropPackBufs()
	}
	s.mu.Unlock()
	if err != nil {
		return backup.ID{}, err
	}
	if len(missing) > 0 {
		return backup.ID{}, &IncompleteError{Missing: missing}
	}
	// The retention rule is applied by the nightly cleanup, never here: a "Back up now"
	// must not push out a backup within moments.
	s.shrinkLog(ctx)
	s.log.Info("backup stored", "pc", snap.PC, "snapshot", id.Short(), "files", snap.Files, "bytes", snap.Bytes, "added", snap.Added)
	s.tell(ctx, snap.PC)
	return id, nil
}

// dateBackup returns the time a backup goes under: the PC's, unless the PC's clock is
// plainly wrong (ahead of the server's, or behind its own last backup), when it is the
// server's. A backup dated in the past would sort among the oldest and be let go by the
// retention rule at once.
func (s *Store) dateBackup(ctx context.Context, snap backup.Snapshot) time.Time {
	now := s.now()
	if snap.Time.After(now.Add(5 * time.Minute)) {
		return now
	}
	snaps, _ := s.Snapshots(ctx, snap.PC)
	if n := len(snaps); n > 0 && snap.Time.Before(snaps[n-1].Time) {
		return now
	}
	return snap.Time
}

// maxReported bounds the missing blobs one answer names; the PC sends them and tries again.
const maxReported = 10000

// incomplete walks a tree and returns blobs it refers to that the index lacks. Trees in
// known are complete already; those found complete are added to found, for the caller
// to remember until the next sweep.
func (s *Store) incomplete(ctx context.Context, root backup.ID, known, found map[backup.ID]bool) ([]backup.ID, error) {
	var missing []backup.ID
	var walk func(id backup.ID) (bool, error)
	walk = func(id backup.ID) (bool, error) {
		if known[id] || found[id] {
			return true, nil
		}
		data, _, err := s.load(ctx, id)
		if errors.Is(err, ErrNoBlob) {
			missing = append(missing, id)
			return false, nil
		}
		if err != nil {
			return false, err
		}
		t, err := backup.DecodeTree(data)
		if err != nil {
			return false, err
		}
		var content []backup.ID
		ok := true
		for _, n := range t.Nodes {
			for _, c := range n.Content {
				content = append(content, c.ID)
			}
			if n.Subtree != nil && len(missing) < maxReported {
				sub, err := walk(*n.Subtree)
				if err != nil {
					return false, err
				}
				ok = ok && sub
			}
		}
		have, err := s.present(ctx, content)
		if err != nil {
			return false, err
		}
		for _, c := range content {
			if !have[c] {
				missing = append(missing, c)
				ok = false
			}
		}
		if ok {
			found[id] = true
		}
		return ok, nil
	}
	_, err := walk(root)
	if len(missing) > maxReported {
		missing = missing[:maxReported]
	}
	return missing, err
}

// shrinkLog moves the index's write-ahead log into the index and empties it: a first
// backup leaves some megabytes in it, which otherwise stay on disk beside the index
// until the next backup.
func (s *Store) shrinkLog(ctx context.Context) {
	if _, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		s.log.Debug("the backup index's log was not emptied", "err", err)
	}
}
