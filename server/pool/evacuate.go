package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/catalog"
)

// RemoveOptions change how a drive is removed.
type RemoveOptions struct {
	// Force removes a missing drive (its files with no other copy are lost), and accepts
	// that duplicated shares keep a single copy when too few drives remain.
	Force bool
}

// RemoveReport says what removing a drive did.
type RemoveReport struct {
	Moved    int      // file copies moved to other drives
	Bytes    int64    // their size
	Versions int      // previous versions moved
	Lost     []string // files whose only copy was on a missing drive (Force)
}

// RemoveDrive moves every file copy off a drive, keeping each file's duplication, then
// releases the drive. It refuses when the other drives cannot hold what it has. If it is
// interrupted, the drive stays in "removing" state (it takes no new files) and running it
// again finishes the job.
func (p *Pool) RemoveDrive(ctx context.Context, which string, opt RemoveOptions) (RemoveReport, error) {
	v, err := p.driveByPath(which)
	if err != nil {
		return RemoveReport{}, err
	}
	if !v.present() {
		return p.forget(ctx, v, opt)
	}
	if err := p.canRemove(ctx, v, opt); err != nil {
		return RemoveReport{}, err
	}
	p.setState(ctx, v.id(), StateRemoving, "its files are being moved to the other drives")
	if v, _ = p.viewOf(v.id()); !v.readable() {
		return RemoveReport{}, fmt.Errorf("drive %q is being checked against the index; try again in a moment", v.rec.Label)
	}
	rep := RemoveReport{}
	p.cat.View(ctx, func(tx *catalog.Tx) error {
		uses, err := tx.DriveUses(ctx)
		progressOf(ctx).total(uses[v.id()].Files, uses[v.id()].Bytes)
		return err
	})
	if err := p.evacuateFiles(ctx, v, &rep); err != nil {
		return rep, err
	}
	if err := p.evacuateVersions(ctx, v, &rep); err != nil {
		return rep, err
	}
	return rep, p.release(ctx, v)
}

// CheckRemoveDrive says whether RemoveDrive would start: the drive is in the pool, and
// the other drives can take its files. It lets a caller that runs the removal in the
// background refuse at once.
func (p *Pool) CheckRemoveDrive(ctx context.Context, which string, opt RemoveOptions) error {
	v, err := p.driveByPath(which)
	if err != nil || !v.present() {
		return err
	}
	return p.canRemove(ctx, v, opt)
}

// canRemove checks that the rest of the pool can take the drive's files.
func (p *Pool) canRemove(ctx context.Context, v view, opt RemoveOptions) error {
	var uses map[string]catalog.DriveUse
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { uses, err = tx.DriveUses(ctx); return err }); err != nil {
		return err
	}
	var room int64
	others := 0
	for _, o := range p.views() {
		if o.id() == v.id() || !o.writable() {
			continue
		}
		others++
		if r, err := p.room(ctx, o); err == nil && r > 0 {
			room += r
		}
	}
	need := uses[v.id()].Bytes
	if need > room {
		return fmt.Errorf("%w: drive %q holds %s but the other drives have only %s free; add a drive or free some space first",
			ErrRefused, v.rec.Label, human.Bytes(need), human.Bytes(room))
	}
	if dup := p.duplicatedShares(ctx); others < 2 && len(dup) > 0 && !opt.Force {
		return &SingleCopiesError{Drive: v.rec.Label, Left: others, Shares: dup}
	}
	return nil
}

// SingleCopiesError refuses a drive's removal that would leave files of duplicated
// shares with a single copy (RemoveOptions.Force accepts that). It is an ErrRefused.
type SingleCopiesError struct {
	Drive  string
	Left   int      // working drives that would be left
	Shares []string // the duplicated shares
}

func (e *SingleCopiesError) Error() string {
	return fmt.Sprintf("%v: after removing drive %q only %d working drive is left, so files in %s would have a single copy; add another drive first, or use --force to accept that",
		ErrRefused, e.Drive, e.Left, strings.Join(e.Shares, ", "))
}

func (e *SingleCopiesError) Unwrap() error { return ErrRefused }

// duplicatedShares lists the shares that now keep two copies.
func (p *Pool) duplicatedShares(ctx context.Context) []string {
	shares, _ := p.Shares(ctx)
	var out []string
	for _, s := range shares {
		if s.Wanted >= 2 && s.Files > 0 {
			out = append(out, s.Name)
		}
	}
	return out
}

// evacuateFiles gives every file on v its copies elsewhere, then deletes v's copy. Files
// being written are retried until they are done, and uploads that chose v before its
// removal began may still land on it: the drive counts as empty only when a pass finds
// nothing on it after those have landed.
func (p *Pool) evacuateFiles(ctx context.Context, v view, rep *RemoveReport) error {
	for {
		left, err := p.evacuateRound(ctx, v, rep)
		if err != nil {
			return err
		}
		if left == 0 {
			if err := p.drain(ctx, v.id()); err != nil {
				return err
			}
			if n, err := p.filesOn(ctx, v.id()); err != nil || n == 0 {
				return err
			}
			continue
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

// filesOn counts the file copies the index places on a drive.
func (p *Pool) filesOn(ctx context.Context, id string) (int, error) {
	var n int
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		es, err := tx.FilesOnDrive(ctx, id, "", 1)
		n = len(es)
		return err
	})
	return n, err
}

func (p *Pool) evacuateRound(ctx context.Context, v view, rep *RemoveReport) (int, error) {
	want, err := p.wantedCopies(ctx)
	if err != nil {
		return 0, err
	}
	for name, n := range want {
		want[name] = max(n, 1)
	}
	left := 0
	var after string
	for {
		var batch []catalog.Entry
		if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { batch, err = tx.FilesOnDrive(ctx, v.id(), after, 200); return err }); err != nil {
			return left, err
		}
		if len(batch) == 0 {
			return left, nil
		}
		after = batch[len(batch)-1].Path
		for _, e := range batch {
			if err := p.evacuateFile(ctx, e, v, want[shareOf(e.Path)], rep); err != nil {
				if errors.Is(err, ErrChanged) {
					left++
					continue
				}
				return left, err
			}
		}
	}
}

func (p *Pool) evacuateFile(ctx context.Context, e catalog.Entry, v view, want int, rep *RemoveReport) error {
	if p.paths.isWriting(e.Path) {
		return wrapPath(e.Path, ErrChanged)
	}
	healthy := p.healthyOf(e)
	if need := want - len(healthy); need > 0 {
		healthy = append(healthy, p.addCopies(ctx, e, need, false)...)
	}
	if len(healthy) == 0 {
		return fmt.Errorf("%w: %s could not be copied to another drive; the other drives may be full or failing", ErrRefused, e.Path)
	}
	if err := p.dropCopy(ctx, e, v); err != nil {
		return err
	}
	rep.Moved++
	rep.Bytes += e.Size
	progressOf(ctx).done(1, e.Size)
	return nil
}

// evacuateVersions moves the versions whose only copy is on v to another drive.
func (p *Pool) evacuateVersions(ctx context.Context, v view, rep *RemoveReport) error {
	var all []catalog.Version
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { all, err = tx.AllVersions(ctx); return err }); err != nil {
		return err
	}
	for _, ver := range all {
		if !slices.Contains(ver.Copies, v.id()) {
			continue
		}
		if len(ver.Copies) == 1 {
			if err := p.moveVersion(ctx, ver, v); err != nil {
				return fmt.Errorf("%w: the previous version %d of %s could not be moved off drive %q (%v); free some space, or prune old versions, and run the removal again",
					ErrRefused, ver.Gen, ver.Path, v.rec.Label, err)
			}
			rep.Versions++
		}
		v.d.RemoveVersion(ctx, ver.Path, ver.Gen)
		if err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.RemoveVersionCopy(ctx, ver.ID, v.id()) }); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pool) moveVersion(ctx context.Context, ver catalog.Version, from view) error {
	dsts, err := p.place(ctx, 1, ver.Size, nil, []string{from.id()})
	if err != nil || len(dsts) == 0 {
		return fmt.Errorf("no drive has room: %w", err)
	}
	r, err := from.d.OpenVersion(ctx, ver.Path, ver.Gen)
	if err != nil {
		return err
	}
	defer r.Close()
	m := metaOf(ver.Gen, ver.Hash)
	if err := dsts[0].d.PutVersion(ctx, ver.Path, ver.Gen, ver.ModTime, m, &throttledReader{ctx: ctx, t: p.throttle, r: r}); err != nil {
		return err
	}
	ver.Copies = []string{dsts[0].id()}
	return p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.AddVersion(ctx, ver) })
}

// release forgets an emptied drive and leaves it as an ordinary folder.
func (p *Pool) release(ctx context.Context, v view) error {
	if err := v.d.Release(ctx); err != nil {
		p.log.Warn("the drive was emptied but its pool records could not all be removed", "drive", v.rec.Label, "err", err)
	}
	if err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.DeleteDrive(ctx, v.id()) }); err != nil {
		return err
	}
	p.mu.Lock()
	delete(p.members, v.id())
	p.mu.Unlock()
	v.d.Close()
	p.log.Info("drive removed from the pool", "drive", v.rec.Label, "path", v.rec.Path)
	p.wake()
	return p.writeMirrors(ctx)
}

// forget removes a missing drive: its copies are written off.
func (p *Pool) forget(ctx context.Context, v view, opt RemoveOptions) (RemoveReport, error) {
	var rep RemoveReport
	var only []catalog.Entry
	var after string
	for {
		var batch []catalog.Entry
		if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { batch, err = tx.FilesOnDrive(ctx, v.id(), after, 1000); return err }); err != nil {
			return rep, err
		}
		if len(batch) == 0 {
			break
		}
		after = batch[len(batch)-1].Path
		for _, e := range batch {
			if len(e.Copies) == 1 {
				only = append(only, e)
				rep.Lost = append(rep.Lost, e.Path)
			}
		}
	}
	if !opt.Force {
		return rep, fmt.Errorf("%w: drive %q is missing, and %d files have their only copy on it; reconnect it so they can be moved, or remove it with --force to give them up",
			ErrRefused, v.rec.Label, len(only))
	}
	p.ns.Lock()
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error {
		for _, e := range only {
			if err := tx.DeleteTree(ctx, e.Path); err != nil {
				return err
			}
			if err := tx.SetDamaged(ctx, e.Path, fmt.Sprintf("lost with drive %s", v.rec.Label), p.now()); err != nil {
				return err
			}
		}
		if err := tx.SetMeta(ctx, metaForgotten+v.id(), v.rec.Label); err != nil {
			return err
		}
		return tx.DeleteDrive(ctx, v.id())
	})
	p.ns.Unlock()
	if err != nil {
		return rep, err
	}
	p.mu.Lock()
	delete(p.members, v.id())
	p.mu.Unlock()
	if v.d != nil {
		v.d.Close()
	}
	p.log.Warn("a missing drive was removed from the pool", "drive", v.rec.Label, "files_lost", len(rep.Lost))
	p.wake()
	return rep, p.writeMirrors(ctx)
}
