package backupstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/hearth-home/hearth/backup"
)

// CheckReport says what a check found. Problems is empty when all is well.
type CheckReport struct {
	Packs, Blobs, Snapshots int
	Bytes                   int64
	Problems                []string
}

// Check verifies every pack and every snapshot: each pack is on the pool with its size
// and index, and each snapshot's every tree and piece is stored in a sound pack. With
// readData every pack is read whole and every blob expanded and checked against its name.
func (s *Store) Check(ctx context.Context, readData bool) (CheckReport, error) {
	var rep CheckReport
	packs, err := s.packs(ctx)
	if err != nil {
		return rep, err
	}
	bad := map[backup.ID]bool{}
	for _, p := range packs {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		n, err := s.checkPack(ctx, p, readData)
		rep.Packs++
		rep.Blobs += n
		rep.Bytes += p.size
		if err != nil {
			bad[p.id] = true
			rep.Problems = append(rep.Problems, fmt.Sprintf("pack %s: %v", p.id, err))
		}
	}
	snaps, err := s.allSnapshots(ctx)
	if err != nil {
		// Name the unreadable backup, and check the readable ones.
		rep.Problems = append(rep.Problems, err.Error())
		if snaps, err = s.readableSnapshots(ctx); err != nil {
			return rep, err
		}
	}
	ok := map[backup.ID]bool{}
	for _, sn := range snaps {
		rep.Snapshots++
		if err := s.checkTree(ctx, sn.Tree, bad, ok); err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("backup of %s from %s (%s) is damaged: %v", sn.PC, backup.FolderName(sn.Time), sn.ID.Short(), err))
		}
	}
	return rep, nil
}

// checkPack checks one pack and returns how many blobs it holds.
func (s *Store) checkPack(ctx context.Context, p packRow, readData bool) (int, error) {
	info, err := s.pool.Stat(ctx, packPath(p.id))
	if err != nil {
		return 0, err
	}
	if info.Size != p.size {
		return 0, fmt.Errorf("%d bytes, the index says %d", info.Size, p.size)
	}
	var entries []backup.Entry
	if readData {
		f, err := s.pool.Open(ctx, packPath(p.id))
		if err != nil {
			return 0, err
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return 0, err
		}
		if backup.Hash(data) != p.id {
			return 0, fmt.Errorf("%w: its content no longer matches its name", backup.ErrCorrupt)
		}
		if entries, err = backup.ReadPackIndex(bytes.NewReader(data), int64(len(data))); err != nil {
			return 0, err
		}
		var buf []byte
		for _, e := range entries {
			if buf, err = s.codec.Expand(buf[:0], e.ID, e.Enc, data[e.Offset:e.Offset+e.Length], int(e.RawLen)); err != nil {
				return len(entries), err
			}
		}
	} else if entries, err = s.packIndex(ctx, p.id, p.size); err != nil {
		return 0, err
	}
	// Every blob the index places here must be where the pack says.
	in := map[backup.ID]backup.Entry{}
	for _, e := range entries {
		in[e.ID] = e
	}
	uses, err := s.db.QueryContext(ctx, `SELECT id, off, len FROM blobs WHERE pack = ?`, p.n)
	if err != nil {
		return len(entries), err
	}
	defer uses.Close()
	for uses.Next() {
		var id []byte
		var off, n uint32
		if err := uses.Scan(&id, &off, &n); err != nil {
			return len(entries), err
		}
		if e, found := in[backup.ID(id)]; !found || e.Offset != off || e.Length != n {
			return len(entries), fmt.Errorf("%w: the index places blob %s where the pack has none", backup.ErrCorrupt, backup.ID(id).Short())
		}
	}
	return len(entries), uses.Err()
}

// checkTree checks that a tree and everything beneath it is stored in sound packs.
func (s *Store) checkTree(ctx context.Context, tree backup.ID, bad, ok map[backup.ID]bool) error {
	if ok[tree] {
		return nil
	}
	inBad := func(id backup.ID) error {
		l, found, err := s.lookup(ctx, id)
		switch {
		case err != nil:
			return err
		case !found:
			return fmt.Errorf("piece %s: %w", id.Short(), ErrNoBlob)
		case bad[l.pack]:
			return fmt.Errorf("piece %s is in damaged pack %s", id.Short(), l.pack.Short())
		}
		return nil
	}
	if err := inBad(tree); err != nil {
		return err
	}
	data, _, err := s.load(ctx, tree)
	if err != nil {
		return err
	}
	t, err := backup.DecodeTree(data)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range t.Nodes {
		for _, c := range n.Content {
			if err := inBad(c.ID); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", n.FileName(), err))
				break
			}
		}
		if n.Subtree != nil {
			if err := s.checkTree(ctx, *n.Subtree, bad, ok); err != nil {
				errs = append(errs, fmt.Errorf("%s/%w", n.FileName(), err))
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
	}
	ok[tree] = true
	return nil
}

// readableSnapshots lists the snapshots that can be read, skipping the others.
func (s *Store) readableSnapshots(ctx context.Context) ([]SnapshotInfo, error) {
	pcs, err := s.PCs(ctx)
	if err != nil {
		return nil, err
	}
	var out []SnapshotInfo
	for _, p := range pcs {
		snaps, err := s.Snapshots(ctx, p.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, snaps...)
	}
	return out, nil
}
