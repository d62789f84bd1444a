package backupstore

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/pool"
)

// A backup the retention rule lets go, or that is deleted, is first moved to its PC's
// forgotten folder, named by when: it is "deleted", but its data stays until the grace
// period has passed (until then Undelete, or a pin, brings it back), and only then is it
// removed and its data freed. So whoever lowered the retention rule or deleted a backup
// (a mistake, or a stolen password) has not destroyed anything for a week.
func forgottenDir(pc string) string { return path.Join(pcDir(pc), "forgotten") }

func forgottenPath(pc string, at time.Time, id backup.ID) string {
	return path.Join(forgottenDir(pc), strconv.FormatInt(at.UnixNano(), 10)+"-"+id.String()+".snapshot")
}

// parseForgotten reads the time and ID from a forgotten backup's name.
func parseForgotten(name string) (time.Time, backup.ID, bool) {
	stem, ok := strings.CutSuffix(name, ".snapshot")
	ns, idText, ok2 := strings.Cut(stem, "-")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || !ok2 || err != nil {
		return time.Time{}, backup.ID{}, false
	}
	id, err := backup.ParseID(idText)
	return time.Unix(0, n), id, err == nil
}

// Cleanup is the nightly work: each PC's retention rule is applied, then the data no
// backup needs is freed. Retention runs only here, never right after a backup.
func (s *Store) Cleanup(ctx context.Context) (GCReport, error) {
	pcs, err := s.PCs(ctx)
	if err != nil {
		return GCReport{}, err
	}
	for _, p := range pcs {
		// One PC's trouble (an unreadable backup) must not keep the others' rules, or
		// the collection, from running.
		if _, err := s.Forget(ctx, p.Name); err != nil && ctx.Err() == nil {
			s.log.Warn("the retention rule of a PC could not be applied tonight", "pc", p.Name, "err", err)
		}
	}
	return s.GC(ctx)
}

// Forget lets go of the backups of pc its retention rule does not keep, records each as
// an event saying which and why, and reports how many went. Their data is freed once the
// grace period has passed.
func (s *Store) Forget(ctx context.Context, pc string) (int, error) {
	// Under the lock Pin takes too: a pin made meanwhile is seen, or waits.
	s.forgetting.Lock()
	n, err := s.forgetLocked(ctx, pc)
	s.forgetting.Unlock()
	if n > 0 { // also when a later one failed: those let go are gone
		s.tell(ctx, pc)
	}
	return n, err
}

// forgetLocked is Forget for a caller holding s.forgetting.
func (s *Store) forgetLocked(ctx context.Context, pc string) (int, error) {
	p, err := s.PC(ctx, pc)
	if err != nil {
		return 0, err
	}
	snaps, err := s.pcSnapshots(ctx, pc, false)
	if err != nil {
		return 0, err
	}
	cands := make([]backup.Candidate, len(snaps))
	for i, sn := range snaps {
		cands[i] = backup.Candidate{Time: sn.Time, Paths: sn.Paths, Pinned: slices.Contains(p.Pinned, sn.ID)}
	}
	if err := s.mkdirs(ctx, forgottenDir(pc)); err != nil {
		return 0, err
	}
	n := 0
	for i, v := range p.Keep.Apply(cands, s.location()) {
		if v.Keep {
			continue
		}
		sn := snaps[i]
		if err := s.pool.Rename(ctx, snapPath(pc, sn.ID), forgottenPath(pc, s.now(), sn.ID)); err != nil && !errors.Is(err, pool.ErrNotFound) {
			return n, err
		}
		n++
		s.record(ctx, pc, fmt.Sprintf("The backup of %s from %s (%s) was let go: %s. Its data is freed in %s.",
			pc, backup.FolderName(sn.Time), strings.Join(sn.Paths, ", "), v.Why, days(s.grace)))
	}
	if n > 0 {
		s.log.Info("old backups let go by the retention rule", "pc", pc, "count", n)
	}
	return n, nil
}

// record notes an event about a PC's backups.
func (s *Store) record(ctx context.Context, pc, text string) {
	if s.event != nil {
		s.event(ctx, pc, text)
	}
}

func days(d time.Duration) string {
	if n := int(d.Hours() / 24); n != 1 {
		return strconv.Itoa(n) + " days"
	}
	return "1 day"
}

// DeletedSnapshot is a backup let go (by the retention rule, or deleted) less than the
// grace period ago: its data is kept until Until, and Undelete brings it back.
type DeletedSnapshot struct {
	SnapshotInfo
	Deleted time.Time
	Until   time.Time
}

// forgotten lists pc's forgotten backups: those still within the grace period (their data
// is kept), and the names of those past it.
func (s *Store) forgotten(ctx context.Context, pc string) (recent []DeletedSnapshot, expired []string, err error) {
	files, err := s.pool.List(ctx, forgottenDir(pc))
	if errors.Is(err, pool.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		at, id, ok := parseForgotten(f.Name)
		if !ok {
			continue
		}
		if s.now().Sub(at) >= s.grace {
			expired = append(expired, f.Path)
			continue
		}
		data, err := s.readFile(ctx, f.Path)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		if backup.Hash(data) != id {
			return nil, nil, fmt.Errorf("%s: %w", f.Path, backup.ErrCorrupt)
		}
		snap, err := backup.DecodeSnapshot(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		recent = append(recent, DeletedSnapshot{SnapshotInfo: SnapshotInfo{ID: id, Snapshot: snap}, Deleted: at, Until: at.Add(s.grace)})
	}
	return recent, expired, nil
}

// dropExpired removes the forgotten backups past the grace period, so garbage
// collection frees their data.
func (s *Store) dropExpired(ctx context.Context) error {
	pcs, err := s.PCs(ctx)
	if err != nil {
		return err
	}
	s.forgetting.Lock()
	defer s.forgetting.Unlock()
	for _, p := range pcs {
		_, expired, err := s.forgotten(ctx, p.Name)
		if err != nil {
			return err
		}
		for _, f := range expired {
			if _, id, _ := parseForgotten(path.Base(f)); slices.Contains(p.Pinned, id) {
				continue // pinned since: Pin brings it back
			}
			if err := s.pool.Remove(ctx, f); err != nil && !errors.Is(err, pool.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}

// Pin keeps a backup of pc whatever the retention rule says, or (pinned false) lets the
// rule judge it again. Pinning a backup the rule let go less than the grace period ago
// brings it back.
func (s *Store) Pin(ctx context.Context, pc string, id backup.ID, pinned bool) error {
	s.forgetting.Lock()
	err := s.pinLocked(ctx, pc, id, pinned)
	s.forgetting.Unlock()
	if err == nil && pinned { // a pin may have brought a let-go backup back
		s.tell(ctx, pc)
	}
	return err
}

// pinLocked is Pin for a caller holding s.forgetting.
func (s *Store) pinLocked(ctx context.Context, pc string, id backup.ID, pinned bool) error {
	p, err := s.PC(ctx, pc)
	if err != nil {
		return err
	}
	if pinned {
		if err := s.unforget(ctx, pc, id); err != nil {
			return err
		}
	}
	p.Pinned = slices.DeleteFunc(p.Pinned, func(x backup.ID) bool { return x == id })
	if pinned {
		p.Pinned = append(p.Pinned, id)
	}
	return s.putPC(ctx, p)
}

// unforget makes sure backup id of pc is among its backups, moving it back from the
// forgotten folder if it is there. The caller holds s.forgetting.
func (s *Store) unforget(ctx context.Context, pc string, id backup.ID) error {
	if _, err := s.snapshot(ctx, pc, id); err == nil || !errors.Is(err, ErrNoSnapshot) {
		return err
	}
	recent, _, err := s.forgotten(ctx, pc)
	if err != nil {
		return err
	}
	for _, sn := range recent {
		if sn.ID != id {
			continue
		}
		files, err := s.pool.List(ctx, forgottenDir(pc))
		if err != nil {
			return err
		}
		for _, f := range files {
			if _, fid, ok := parseForgotten(f.Name); ok && fid == id {
				return s.pool.Rename(ctx, f.Path, snapPath(pc, id))
			}
		}
	}
	return fmt.Errorf("%s of %s: %w", id.Short(), pc, ErrNoSnapshot)
}

// FindSnapshot finds the backup of pc whose ID is or starts with prefix, among its
// backups and those let go within the grace period.
func (s *Store) FindSnapshot(ctx context.Context, pc, prefix string) (backup.ID, error) {
	snaps, err := s.Snapshots(ctx, pc)
	if err != nil {
		return backup.ID{}, err
	}
	s.forgetting.RLock()
	recent, _, err := s.forgotten(ctx, pc)
	s.forgetting.RUnlock()
	if err != nil {
		return backup.ID{}, err
	}
	for _, sn := range recent {
		snaps = append(snaps, sn.SnapshotInfo)
	}
	var found []backup.ID
	for _, sn := range snaps {
		if prefix != "" && strings.HasPrefix(sn.ID.String(), strings.ToLower(prefix)) && !slices.Contains(found, sn.ID) {
			found = append(found, sn.ID)
		}
	}
	switch len(found) {
	case 0:
		return backup.ID{}, fmt.Errorf("%s of %s: %w", prefix, pc, ErrNoSnapshot)
	case 1:
		return found[0], nil
	}
	return backup.ID{}, fmt.Errorf("%q names %d backups of %s; give more of its digits", prefix, len(found), pc)
}

// Deleted lists the backups of pc let go (by the retention rule, or deleted) less than
// the grace period ago, the last let go first. Their data is still kept.
func (s *Store) Deleted(ctx context.Context, pc string) ([]DeletedSnapshot, error) {
	if err := backup.CheckPCName(pc); err != nil {
		return nil, err
	}
	s.forgetting.RLock()
	recent, _, err := s.forgotten(ctx, pc)
	s.forgetting.RUnlock()
	slices.SortFunc(recent, func(a, b DeletedSnapshot) int { return b.Deleted.Compare(a.Deleted) })
	return recent, err
}

// Undelete brings back backup id of pc, let go less than the grace period ago, and pins
// it: the rule that let it go would otherwise let it go again at the next cleanup.
// ErrNoSnapshot when it is not among the deleted ones (any more).
func (s *Store) Undelete(ctx context.Context, pc string, id backup.ID) error {
	s.forgetting.Lock()
	err := s.undeleteLocked(ctx, pc, id)
	s.forgetting.Unlock()
	if err == nil {
		s.tell(ctx, pc)
	}
	return err
}

// undeleteLocked is Undelete for a caller holding s.forgetting.
func (s *Store) undeleteLocked(ctx context.Context, pc string, id backup.ID) error {
	recent, _, err := s.forgotten(ctx, pc)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(recent, func(d DeletedSnapshot) bool { return d.ID == id }) {
		return fmt.Errorf("%s of %s: %w among the backups deleted in the last %s", id.Short(), pc, ErrNoSnapshot, days(s.grace))
	}
	if err := s.pinLocked(ctx, pc, id, true); err != nil {
		return err
	}
	s.record(ctx, pc, fmt.Sprintf("A deleted backup of %s was brought back and pinned.", pc))
	return nil
}

// Delete lets go of backup id of pc now, whatever the retention rule says (and unpins
// it). Like a backup the rule lets go, its data is freed only after the grace period;
// until then Undelete brings it back.
func (s *Store) Delete(ctx context.Context, pc string, id backup.ID, why string) error {
	s.forgetting.Lock()
	err := s.deleteLocked(ctx, pc, id, why)
	s.forgetting.Unlock()
	if err == nil {
		s.tell(ctx, pc)
	}
	return err
}

// deleteLocked is Delete for a caller holding s.forgetting.
func (s *Store) deleteLocked(ctx context.Context, pc string, id backup.ID, why string) error {
	p, err := s.PC(ctx, pc)
	if err != nil {
		return err
	}
	sn, err := s.snapshot(ctx, pc, id)
	if err != nil {
		return err
	}
	if err := s.mkdirs(ctx, forgottenDir(pc)); err != nil {
		return err
	}
	if slices.Contains(p.Pinned, id) {
		p.Pinned = slices.DeleteFunc(p.Pinned, func(x backup.ID) bool { return x == id })
		if err := s.putPC(ctx, p); err != nil {
			return err
		}
	}
	if err := s.pool.Rename(ctx, snapPath(pc, id), forgottenPath(pc, s.now(), id)); err != nil {
		return err
	}
	s.record(ctx, pc, fmt.Sprintf("The backup of %s from %s (%s) was deleted: %s. Its data is freed in %s.",
		pc, backup.FolderName(sn.Time), strings.Join(sn.Paths, ", "), why, days(s.grace)))
	return nil
}
