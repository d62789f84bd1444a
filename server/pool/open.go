package pool

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
)

// open brings the pool up from the catalog, or from the drives when the catalog is empty.
func (p *Pool) open(ctx context.Context) error {
	var id string
	var clean bool
	var reserved uint64
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		var err error
		if id, err = tx.Meta(ctx, metaPoolID); err != nil && !errors.Is(err, catalog.ErrNotFound) {
			return err
		}
		c, _ := tx.Meta(ctx, metaClean)
		clean = c == "1"
		reserved, err = tx.MetaUint(ctx, metaReserved)
		return err
	})
	if err != nil {
		return fmt.Errorf("open pool: %w", err)
	}
	if id == "" {
		return p.openFromDrives(ctx)
	}
	p.id = id
	if err := p.loadMembers(ctx); err != nil {
		return err
	}
	return p.start(ctx, reserved, clean, "hearthd was not shut down cleanly; checking the drives against the index")
}

// loadMembers opens every drive the catalog knows.
func (p *Pool) loadMembers(ctx context.Context) error {
	var recs []catalog.Drive
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { recs, err = tx.Drives(ctx); return err }); err != nil {
		return fmt.Errorf("open pool: %w", err)
	}
	found := p.scanForDrives(ctx)
	for _, rec := range recs {
		p.attach(ctx, rec, found)
	}
	return nil
}

// attach opens the drive of rec, following it to a new path when its marker turned up
// elsewhere, and adds it as a member (missing when it cannot be opened).
func (p *Pool) attach(ctx context.Context, rec catalog.Drive, found map[string]string) {
	m := &member{rec: rec}
	paths := []string{rec.Path}
	if moved, ok := found[rec.ID]; ok && moved != rec.Path {
		paths = append(paths, moved)
	}
	var lastErr error
	for _, path := range paths {
		d, err := p.openMember(ctx, path, rec.ID)
		if err != nil {
			lastErr = err
			continue
		}
		m.d = d
		if path != rec.Path {
			p.log.Info("drive found at a new place", "drive", rec.Label, "old", rec.Path, "new", path)
			m.rec.Path = path
		}
		break
	}
	if m.d == nil {
		m.rec.State, m.rec.Reason = string(StateMissing), lastErr.Error()
		p.log.Error("drive is missing", "drive", rec.Label, "path", rec.Path, "err", lastErr)
	} else if m.state() == StateMissing {
		m.rec.State, m.rec.Reason = string(StateActive), ""
		m.returned = true
	}
	p.mu.Lock()
	p.members[rec.ID] = m
	p.mu.Unlock()
}

// openMember opens path and checks that it is drive id of this pool.
func (p *Pool) openMember(ctx context.Context, path, id string) (drive.Drive, error) {
	d, err := p.opt.OpenDrive(ctx, path)
	if err != nil {
		return nil, err
	}
	info := d.Info()
	if info.Pool != p.id || info.ID != id {
		d.Close()
		return nil, fmt.Errorf("%w: %s holds drive %s of pool %s", drive.ErrForeign, path, info.ID, info.Pool)
	}
	return d, nil
}

// start finishes opening: generations, leftovers, and reconciling drives the index may
// not describe (after an unclean shutdown, or drives that returned while hearthd was down).
func (p *Pool) start(ctx context.Context, reserved uint64, clean bool, why string) error {
	for _, v := range p.views() {
		if v.d == nil {
			continue
		}
		if b, err := v.d.ReadConfig(ctx); err == nil {
			if m, err := parseMirror(b); err == nil && m.GenReserved > reserved {
				reserved = m.GenReserved
			}
		}
		if err := v.d.CleanTemp(ctx); err != nil {
			p.log.Warn("could not clean a drive's temp area", "drive", v.rec.Label, "err", err)
		}
	}
	p.gen.mu.Lock()
	p.gen.next = max(reserved, 1)
	err := p.reserveGens(ctx, p.gen.next+genBlock)
	p.gen.mu.Unlock()
	if err != nil {
		return fmt.Errorf("open pool: %w", err)
	}
	err = p.cat.Update(ctx, func(tx *catalog.Tx) error {
		for _, v := range p.views() {
			if err := tx.PutDrive(ctx, v.rec); err != nil {
				return err
			}
		}
		return tx.SetMeta(ctx, metaClean, "0")
	})
	if err != nil {
		return fmt.Errorf("open pool: %w", err)
	}
	return p.reconcileAtStart(ctx, clean, why)
}

// reconcileAtStart compares drives with the index: all of them after an unclean
// shutdown, else those that were missing when the pool last ran.
func (p *Pool) reconcileAtStart(ctx context.Context, clean bool, why string) error {
	var todo []view
	p.mu.Lock()
	for _, m := range p.members {
		m.reconciled = m.d != nil && clean && !m.returned
		if m.d != nil && !m.reconciled {
			todo = append(todo, m.view())
		}
	}
	p.mu.Unlock()
	if len(todo) == 0 {
		return nil
	}
	if !clean {
		p.log.Warn(why, "drives", len(todo))
	}
	if err := p.mergeTombstones(ctx, todo); err != nil {
		return err
	}
	return p.reconcileDrives(ctx, todo)
}

// openFromDrives starts a pool whose catalog is empty: rebuilt from the drives found, or
// new when there are none.
func (p *Pool) openFromDrives(ctx context.Context) error {
	found := p.findPoolDrives(ctx)
	if len(found) == 0 {
		p.id = newID()
		p.log.Info("starting a new, empty pool", "pool", p.id)
		err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.SetMeta(ctx, metaPoolID, p.id) })
		if err != nil {
			return fmt.Errorf("create pool: %w", err)
		}
		return p.start(ctx, 1, true, "")
	}
	ids := make([]string, 0, len(found))
	for id := range found {
		ids = append(ids, id)
	}
	if len(ids) > 1 {
		sort.Strings(ids)
		return fmt.Errorf("the catalog is empty and drives of %d pools were found (%s); start with -drive pointing at a drive of the pool to rebuild",
			len(ids), strings.Join(ids, ", "))
	}
	return p.rebuildFrom(ctx, ids[0], found[ids[0]])
}

// rebuildFrom rebuilds the catalog of pool id from its drives.
func (p *Pool) rebuildFrom(ctx context.Context, id string, drives map[string]string) error {
	p.id = id
	p.log.Warn("the catalog is empty; rebuilding the pool from its drives", "pool", id, "drives_found", len(drives))
	mir, err := p.newestMirror(ctx, drives)
	if err != nil {
		return err
	}
	err = p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.SetMeta(ctx, metaPoolID, id); err != nil {
			return err
		}
		if err := tx.SetMetaUint(ctx, metaSeq, mir.Seq); err != nil {
			return err
		}
		for _, s := range mir.Shares {
			if err := tx.PutShare(ctx, catalog.Share{Name: s.Name, Copies: s.Copies, Description: s.Description, Created: s.Created}); err != nil {
				return err
			}
		}
		for id, label := range mir.Forgotten {
			if err := tx.SetMeta(ctx, metaForgotten+id, label); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("rebuild pool: %w", err)
	}
	for id := range mir.Forgotten {
		if path, ok := drives[id]; ok {
			p.log.Warn("a drive removed while it was missing is back; it stays out of the pool (its files are out of date)",
				"drive", mir.Forgotten[id], "path", path)
			delete(drives, id)
		}
	}
	for _, recs := range mirrorDrives(mir, drives) {
		p.attach(ctx, recs, drives)
	}
	return p.start(ctx, mir.GenReserved, false, "rebuilding the index from the drives")
}

// mirrorDrives lists the drives the newest mirror names, plus any found that it does not
// (a drive added after the mirror was written elsewhere).
func mirrorDrives(mir mirror, found map[string]string) []catalog.Drive {
	var out []catalog.Drive
	seen := map[string]bool{}
	for _, d := range mir.Drives {
		seen[d.ID] = true
		if _, gone := mir.Forgotten[d.ID]; gone {
			continue
		}
		out = append(out, catalog.Drive{ID: d.ID, Path: d.Path, Label: d.Label, State: string(StateActive), Added: d.Added, Changed: d.Added})
	}
	for id, path := range found {
		if _, gone := mir.Forgotten[id]; !seen[id] && !gone {
			out = append(out, catalog.Drive{ID: id, Path: path, Label: id[:min(8, len(id))], State: string(StateActive)})
		}
	}
	return out
}

// newestMirror reads the pool configuration from every found drive and keeps the newest.
func (p *Pool) newestMirror(ctx context.Context, drives map[string]string) (mirror, error) {
	best := mirror{Format: mirrorFormat, PoolID: p.id}
	for _, path := range drives {
		d, err := p.opt.OpenDrive(ctx, path)
		if err != nil {
			continue
		}
		b, err := d.ReadConfig(ctx)
		d.Close()
		if err != nil {
			p.log.Warn("a drive has no readable pool configuration", "path", path, "err", err)
			continue
		}
		m, err := parseMirror(b)
		if err != nil || m.PoolID != p.id {
			continue
		}
		if m.Seq > best.Seq {
			best = m
		}
	}
	return best, nil
}
