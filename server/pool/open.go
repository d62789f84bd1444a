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
	p.others = p.foundElsewhere(ctx)
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
		if err := p.attach(ctx, rec, found); err != nil {
			return err
		}
	}
	return nil
}

// attach opens the drive of rec, following it to a new path when its marker turned up
// elsewhere, and adds it as a member (missing when it cannot be opened). A drive another
// server holds is an error: this pool must not start beside it.
func (p *Pool) attach(ctx context.Context, rec catalog.Drive, found map[string]string) error {
	m := &member{rec: rec}
	paths := []string{rec.Path}
	if moved, ok := found[rec.ID]; ok && moved != rec.Path {
		paths = append(paths, moved)
	}
	var lastErr error
	for _, path := range paths {
		d, err := p.openMember(ctx, path, rec.ID)
		if errors.Is(err, drive.ErrInUse) {
			return fmt.Errorf("drive %q: %w", rec.Label, err)
		}
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
	return nil
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
	if err := p.loadBadCopies(ctx); err != nil {
		return err
	}
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
	return p.reconcile(ctx, todo, true)
}

// openFromDrives starts a pool whose catalog is empty: rebuilt from the drives it was
// pointed at, or new when it was pointed at none. Drives merely mounted here are listed
// (OtherPools), never adopted: they may be another server's, or a pool someone means to
// bring back with "hearthd pool rebuild".
func (p *Pool) openFromDrives(ctx context.Context) error {
	found := probeDrives(ctx, p.hinted(), "")
	if len(found) == 0 {
		p.id = newID()
		p.others = p.foundElsewhere(ctx)
		p.log.Info("starting a new, empty pool", "pool", p.id)
		for _, f := range p.others {
			p.log.Warn("drives of another Hearth pool are mounted here; they were left alone",
				"pool", f.PoolID, "drives", strings.Join(f.Paths, " "),
				"to_bring_it_back", "stop hearthd, then run: hearthd pool rebuild "+strings.Join(f.Paths, " "))
		}
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
		return fmt.Errorf("the catalog is empty and the drives named belong to %d pools (%s); name only the drives of the pool to bring back",
			len(ids), strings.Join(ids, ", "))
	}
	return p.rebuildFrom(ctx, ids[0], found[ids[0]])
}

// rebuildFrom rebuilds the catalog of pool id from its drives. The drives are opened,
// and so locked, before anything is written: a pool another server runs is refused.
func (p *Pool) rebuildFrom(ctx context.Context, id string, drives map[string]string) error {
	p.id = id
	p.others = p.foundElsewhere(ctx)
	p.log.Warn("the catalog is empty; rebuilding the pool from its drives", "pool", id, "drives_found", len(drives))
	mir := newestMirror(ctx, id, drives)
	for id := range mir.Forgotten {
		if path, ok := drives[id]; ok {
			p.log.Warn("a drive removed while it was missing is back; it stays out of the pool (its files are out of date)",
				"drive", mir.Forgotten[id], "path", path)
			delete(drives, id)
		}
	}
	for _, rec := range mirrorDrives(mir, drives) {
		if err := p.attach(ctx, rec, drives); err != nil {
			return err
		}
	}
	people, unbound := mir.People.catalog()
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.SetMeta(ctx, metaPoolID, id); err != nil {
			return err
		}
		if err := tx.SetMetaUint(ctx, metaSeq, mir.Seq); err != nil {
			return err
		}
		for _, s := range mir.Shares {
			if err := tx.PutShare(ctx, s.catalog()); err != nil {
				return err
			}
		}
		for id, label := range mir.Forgotten {
			if err := tx.SetMeta(ctx, metaForgotten+id, label); err != nil {
				return err
			}
		}
		return tx.PutPeople(ctx, people)
	})
	if err != nil {
		return fmt.Errorf("rebuild pool: %w", err)
	}
	if err := p.start(ctx, mir.GenReserved, false, "rebuilding the index from the drives"); err != nil {
		return err
	}
	// Tokens from an older mirror act for a PC only if its backups are in the index,
	// which is now rebuilt.
	if len(unbound) > 0 {
		if err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.BindTokensByLabel(ctx, unbound) }); err != nil {
			return fmt.Errorf("rebuild pool: %w", err)
		}
	}
	return nil
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

// newestMirror reads the configuration of pool id from every found drive and keeps the
// newest.
func newestMirror(ctx context.Context, id string, drives map[string]string) mirror {
	best := mirror{Format: mirrorFormat, PoolID: id}
	for _, path := range drives {
		pr, err := drive.Probe(ctx, path)
		if err != nil {
			continue
		}
		m, err := parseMirror(pr.Config)
		if err != nil || m.PoolID != id {
			continue
		}
		if m.Seq > best.Seq {
			best = m
		}
	}
	return best
}
