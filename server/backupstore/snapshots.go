package backupstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
)

// PC is a computer that backs up here.
type PC struct {
	Name string `json:"name"`
	// Owner is the user whose PC it is: they and administrators see its backups.
	Owner string        `json:"owner"`
	Keep  backup.Policy `json:"keep"`
	// OwnRule: Keep was set for this PC. Without, the PC follows the server's default
	// rule (Options.DefaultKeep), which PC reports as its Keep.
	OwnRule bool `json:"own_rule,omitempty"`
	// Pinned are the backups kept whatever Keep says ("keep this backup").
	Pinned []backup.ID `json:"pinned,omitempty"`
}

// decodePC reads a pc.json; one written before backups were kept by count (no "last")
// keeps the default count.
func decodePC(data []byte) (PC, error) {
	var p PC
	if err := json.Unmarshal(data, &p); err != nil {
		return p, err
	}
	var raw struct {
		Keep    map[string]json.RawMessage `json:"keep"`
		OwnRule *bool                      `json:"own_rule"`
	}
	if json.Unmarshal(data, &raw) == nil {
		if _, ok := raw.Keep["last"]; !ok {
			p.Keep.Last = backup.DefaultPolicy.Last
		}
		// Written before PCs could follow a default: a rule other than the default then
		// was set by an administrator, and stays the PC's own.
		if raw.OwnRule == nil && p.Keep != backup.DefaultPolicy {
			p.OwnRule = true
		}
	}
	return p, nil
}

// SnapshotInfo is a snapshot with its ID.
type SnapshotInfo struct {
	ID backup.ID
	backup.Snapshot
}

func pcDir(pc string) string  { return path.Join(Share, "pcs", pc) }
func pcFile(pc string) string { return path.Join(pcDir(pc), "pc.json") }
func snapPath(pc string, id backup.ID) string {
	return path.Join(pcDir(pc), id.String()+".snapshot")
}

// ErrNotOwner: the PC's backups belong to someone else.
var ErrNotOwner = errors.New("this PC's backups belong to another user")

// claimPC records pc as owner's on its first backup. Whether owner may have the name is
// decided by auth.PCNameFree, as when a PC joins; the devices that joined with it were
// asked before (the backup API does), and here, under the claim lock, the PCs that back
// up here decide again.
func (s *Store) claimPC(ctx context.Context, pc, owner string) error {
	// One claim at a time: two PCs backing up for the first time under names that
	// differ only in case must not both get one.
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	cur, err := s.PC(ctx, pc)
	if err == nil {
		if !strings.EqualFold(cur.Owner, owner) {
			return fmt.Errorf("%s: %w (%s)", pc, ErrNotOwner, cur.Owner)
		}
		return nil
	}
	if !errors.Is(err, ErrNoSnapshot) {
		return err
	}
	held, err := s.Holders(ctx, pc)
	if err != nil {
		return err
	}
	if err := auth.PCNameFree(owner, pc, held, nil); err != nil {
		return err
	}
	return s.putPC(ctx, PC{Name: pc, Owner: owner, Keep: s.defaultKeep()})
}

// Holders lists the PCs that back up here under pc, compared without case (an older
// server let several spellings in), with their owners: what auth.PCNameFree weighs first.
func (s *Store) Holders(ctx context.Context, pc string) ([]auth.PCHolder, error) {
	pcs, err := s.PCs(ctx)
	if err != nil {
		return nil, err
	}
	var out []auth.PCHolder
	for _, p := range pcs {
		if strings.EqualFold(p.Name, pc) {
			out = append(out, auth.PCHolder{PC: p.Name, User: p.Owner})
		}
	}
	return out, nil
}

func (s *Store) putPC(ctx context.Context, p PC) error {
	if err := s.mkdirs(ctx, pcDir(p.Name)); err != nil {
		return err
	}
	data, _ := json.MarshalIndent(p, "", " ")
	if _, err := s.pool.WriteFile(ctx, pcFile(p.Name), bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))}); err != nil {
		return err
	}
	s.pcMu.Lock()
	s.pcs[p.Name] = p
	s.pcMu.Unlock()
	return nil
}

// PC returns what the server knows of a PC. Every request about a PC's backups asks
// who owns it, so what was read is kept; only this store writes pc.json.
func (s *Store) PC(ctx context.Context, pc string) (PC, error) {
	p, err := s.pcRecord(ctx, pc)
	if err == nil && !p.OwnRule {
		p.Keep = s.defaultKeep()
	}
	return p, err
}

// pcRecord is a PC's pc.json, as read (kept after the first read).
func (s *Store) pcRecord(ctx context.Context, pc string) (PC, error) {
	if err := backup.CheckPCName(pc); err != nil {
		return PC{}, err
	}
	s.pcMu.Lock()
	p, ok := s.pcs[pc]
	s.pcMu.Unlock()
	if ok {
		return p, nil
	}
	data, err := s.readFile(ctx, pcFile(pc))
	if errors.Is(err, pool.ErrNotFound) {
		return PC{}, fmt.Errorf("%s: %w: this PC has not backed up here", pc, ErrNoSnapshot)
	}
	if err != nil {
		return PC{}, err
	}
	if p, err = decodePC(data); err != nil {
		return PC{}, fmt.Errorf("%s: %w", pcFile(pc), err)
	}
	p.Name = pc
	s.pcMu.Lock()
	s.pcs[pc] = p
	s.pcMu.Unlock()
	return p, nil
}

// PCs lists the PCs that back up here.
func (s *Store) PCs(ctx context.Context) ([]PC, error) {
	dirs, err := s.pool.List(ctx, path.Join(Share, "pcs"))
	if errors.Is(err, pool.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []PC
	for _, d := range dirs {
		if p, err := s.PC(ctx, d.Name); err == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// SetPolicy changes how many backups of a PC are kept.
func (s *Store) SetPolicy(ctx context.Context, pc string, keep backup.Policy) error {
	if err := keep.Check(); err != nil {
		return err
	}
	p, err := s.PC(ctx, pc)
	if err != nil {
		return err
	}
	p.Keep, p.OwnRule = keep, true
	return s.putPC(ctx, p)
}

func (s *Store) readFile(ctx context.Context, p string) ([]byte, error) {
	f, err := s.pool.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, 16<<20))
}

func (s *Store) writeSnapshot(ctx context.Context, snap backup.Snapshot, data []byte, id backup.ID) error {
	if err := s.mkdirs(ctx, pcDir(snap.PC)); err != nil {
		return err
	}
	_, err := s.pool.WriteFile(ctx, snapPath(snap.PC, id), bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data)), ModTime: snap.Time})
	return err
}

// Snapshot reads one snapshot of a PC.
func (s *Store) snapshot(ctx context.Context, pc string, id backup.ID) (backup.Snapshot, error) {
	data, err := s.readFile(ctx, snapPath(pc, id))
	if errors.Is(err, pool.ErrNotFound) {
		return backup.Snapshot{}, fmt.Errorf("%s of %s: %w", id.Short(), pc, ErrNoSnapshot)
	}
	if err != nil {
		return backup.Snapshot{}, err
	}
	if backup.Hash(data) != id {
		return backup.Snapshot{}, fmt.Errorf("snapshot %s: %w", id.Short(), backup.ErrCorrupt)
	}
	return backup.DecodeSnapshot(data)
}

// Snapshot returns one snapshot of a PC.
func (s *Store) Snapshot(ctx context.Context, pc string, id backup.ID) (SnapshotInfo, error) {
	snap, err := s.snapshot(ctx, pc, id)
	return SnapshotInfo{ID: id, Snapshot: snap}, err
}

// Snapshots lists a PC's snapshots, oldest first. Unreadable ones are skipped with a
// warning (check names them).
func (s *Store) Snapshots(ctx context.Context, pc string) ([]SnapshotInfo, error) {
	if err := backup.CheckPCName(pc); err != nil {
		return nil, err
	}
	return s.pcSnapshots(ctx, pc, false)
}

// pcSnapshots lists a PC's snapshots, oldest first. Strict, an unreadable one is an
// error; otherwise it is left out with a warning.
func (s *Store) pcSnapshots(ctx context.Context, pc string, strict bool) ([]SnapshotInfo, error) {
	files, err := s.pool.List(ctx, pcDir(pc))
	if errors.Is(err, pool.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []SnapshotInfo
	for _, f := range files {
		name, ok := strings.CutSuffix(f.Name, ".snapshot")
		if !ok {
			continue
		}
		id, err := backup.ParseID(name)
		if err != nil {
			continue // not a name Hearth gives
		}
		snap, err := s.snapshot(ctx, pc, id)
		if err != nil && strict {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		if err != nil {
			s.log.Warn("a backup is unreadable", "pc", pc, "snapshot", name, "err", err)
			continue
		}
		out = append(out, SnapshotInfo{ID: id, Snapshot: snap})
	}
	slices.SortFunc(out, func(a, b SnapshotInfo) int { return a.Time.Compare(b.Time) })
	return out, nil
}

// allSnapshots lists every PC's snapshots. Strict: any snapshot or folder that cannot
// be read is an error, not a gap. Garbage collection relies on it: a backup it could not
// read would otherwise look absent, and its data would be taken.
func (s *Store) allSnapshots(ctx context.Context) ([]SnapshotInfo, error) {
	s.forgetting.RLock()
	defer s.forgetting.RUnlock()
	return s.allSnapshotsLocked(ctx)
}

// liveSnapshots lists every snapshot whose data must be kept: every PC's, and those let go
// less than the grace period ago.
func (s *Store) liveSnapshots(ctx context.Context) ([]SnapshotInfo, error) {
	s.forgetting.RLock()
	defer s.forgetting.RUnlock()
	out, err := s.allSnapshotsLocked(ctx)
	if err != nil {
		return nil, err
	}
	pcs, err := s.PCs(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range pcs {
		recent, _, err := s.forgotten(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		for _, d := range recent {
			out = append(out, d.SnapshotInfo)
		}
	}
	return out, nil
}

// allSnapshotsLocked is allSnapshots for a caller holding s.forgetting.
func (s *Store) allSnapshotsLocked(ctx context.Context) ([]SnapshotInfo, error) {
	dirs, err := s.pool.List(ctx, path.Join(Share, "pcs"))
	if errors.Is(err, pool.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []SnapshotInfo
	for _, d := range dirs {
		snaps, err := s.pcSnapshots(ctx, d.Name, true)
		if err != nil {
			return nil, err
		}
		out = append(out, snaps...)
	}
	return out, nil
}
