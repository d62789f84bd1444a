package pool

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
)

// BadCopiesWindow is how far back DriveInfo.BadCopies counts.
const BadCopiesWindow = 30 * 24 * time.Hour

// DriveInfo describes a drive of the pool.
type DriveInfo struct {
	ID     string
	Label  string
	Path   string
	State  State
	Reason string
	Total  uint64
	Free   uint64
	Files  int64 // file copies on it
	Bytes  int64
	Added  time.Time
	// BadCopies counts the copies on it that failed their checksum in the last 30 days
	// (reads and scrubs find them; each was rewritten from a good copy when one existed).
	BadCopies int
	// Warnings are things the person adding the drive should know.
	Warnings []string
}

// Drives lists the drives with their space and contents.
func (p *Pool) Drives(ctx context.Context) ([]DriveInfo, error) {
	var uses map[string]catalog.DriveUse
	var bad map[string]int
	err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		if uses, err = tx.DriveUses(ctx); err != nil {
			return err
		}
		bad, err = tx.BadCopiesSince(ctx, p.now().Add(-BadCopiesWindow))
		return err
	})
	if err != nil {
		return nil, err
	}
	var out []DriveInfo
	for _, v := range p.views() {
		di := DriveInfo{ID: v.id(), Label: v.rec.Label, Path: v.rec.Path, State: v.state(), Reason: v.rec.Reason,
			Files: uses[v.id()].Files, Bytes: uses[v.id()].Bytes, Added: v.rec.Added, BadCopies: bad[v.id()]}
		if v.present() && !v.reconciled && di.Reason == "" {
			di.Reason = "being checked against the index"
		}
		if v.present() {
			if u, err := v.d.Usage(ctx); err == nil {
				di.Total, di.Free = u.Total, u.Free
			}
		}
		out = append(out, di)
	}
	return out, nil
}

// AddDrive adds the folder at path (normally a whole disk's mount point) to the pool, or
// returns a drive of the pool that is failing or missing to service. Files already in the
// pool's layout on it are adopted; anything else on the disk is left alone.
func (p *Pool) AddDrive(ctx context.Context, path, label string) (DriveInfo, error) {
	path, err := filepath.Abs(path)
	if err != nil {
		return DriveInfo{}, err
	}
	for _, v := range p.views() {
		switch {
		case v.rec.Path == path && v.state() == StateActive:
			return DriveInfo{}, fmt.Errorf("%s is already drive %q of the pool: %w", path, v.rec.Label, ErrExist)
		case v.rec.Path == path:
			return p.readd(ctx, v)
		case within(path, v.rec.Path) || within(v.rec.Path, path):
			return DriveInfo{}, fmt.Errorf("%w: %s and drive %q (%s) overlap; a drive must be a folder of its own, normally a whole disk",
				ErrRefused, path, v.rec.Label, v.rec.Path)
		}
	}
	if label == "" {
		label = p.nextLabel()
	}
	m, err := drive.Init(ctx, path, p.id, newID(), label)
	if err != nil {
		return DriveInfo{}, err
	}
	if v, ok := p.viewOf(m.DriveID); ok {
		return p.moved(ctx, v, path)
	}
	if err := p.checkNotForgotten(ctx, m.DriveID, path); err != nil {
		return DriveInfo{}, err
	}
	d, err := p.opt.OpenDrive(ctx, path)
	if err != nil {
		return DriveInfo{}, err
	}
	now := p.now()
	rec := catalog.Drive{ID: m.DriveID, Path: path, Label: m.Label, State: string(StateActive), Added: now, Changed: now}
	if err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.PutDrive(ctx, rec) }); err != nil {
		d.Close()
		return DriveInfo{}, err
	}
	p.mu.Lock()
	p.members[rec.ID] = &member{d: d, rec: rec}
	p.mu.Unlock()
	p.log.Info("drive added", "drive", rec.Label, "path", path)
	if err := p.bringIn(ctx, rec.ID); err != nil {
		return DriveInfo{}, err
	}
	return p.driveInfo(ctx, rec.ID, p.sameDiskWarnings(path, rec.ID))
}

// bringIn reconciles a drive that just joined or returned, and records the pool's
// configuration on it.
func (p *Pool) bringIn(ctx context.Context, id string) error {
	v, _ := p.viewOf(id)
	if err := v.d.CleanTemp(ctx); err != nil {
		return p.noteErr(ctx, v, err)
	}
	if err := p.writeMirrors(ctx); err != nil {
		return err
	}
	if err := p.mergeTombstones(ctx, []view{v}); err != nil {
		return err
	}
	if err := p.reconcileDrives(ctx, []view{v}); err != nil {
		return err
	}
	p.needDirs(id)
	p.wake()
	return nil
}

// readd returns a failing or missing drive to service after checking it.
func (p *Pool) readd(ctx context.Context, v view) (DriveInfo, error) {
	if v.d == nil {
		d, err := p.openMember(ctx, v.rec.Path, v.id())
		if err != nil {
			return DriveInfo{}, fmt.Errorf("drive %q is still not usable: %w", v.rec.Label, err)
		}
		p.mu.Lock()
		p.members[v.id()].d = d
		p.mu.Unlock()
	} else if err := v.d.Check(ctx); err != nil {
		return DriveInfo{}, fmt.Errorf("drive %q is still not usable: %w", v.rec.Label, err)
	}
	p.mu.Lock()
	p.members[v.id()].reconciled = false
	p.mu.Unlock()
	p.setState(ctx, v.id(), StateMissing, "being checked against the index")
	if err := p.bringIn(ctx, v.id()); err != nil {
		return DriveInfo{}, err
	}
	p.log.Info("drive returned to service", "drive", v.rec.Label)
	return p.driveInfo(ctx, v.id(), nil)
}

// moved follows a drive of the pool to a new mount point.
func (p *Pool) moved(ctx context.Context, v view, path string) (DriveInfo, error) {
	p.mu.Lock()
	m := p.members[v.id()]
	m.rec.Path = path
	if m.d != nil {
		m.d.Close()
		m.d = nil
	}
	rec := m.rec
	p.mu.Unlock()
	if err := p.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.PutDrive(ctx, rec) }); err != nil {
		return DriveInfo{}, err
	}
	return p.readd(ctx, view{rec: rec})
}

func (p *Pool) driveInfo(ctx context.Context, id string, warnings []string) (DriveInfo, error) {
	all, err := p.Drives(ctx)
	if err != nil {
		return DriveInfo{}, err
	}
	for _, d := range all {
		if d.ID == id {
			d.Warnings = warnings
			return d, nil
		}
	}
	return DriveInfo{}, ErrDriveUnknown
}

func (p *Pool) nextLabel() string {
	used := map[string]bool{}
	for _, v := range p.views() {
		used[v.rec.Label] = true
	}
	for i := 1; ; i++ {
		if l := fmt.Sprintf("Drive %d", i); !used[l] {
			return l
		}
	}
}

// sameDiskWarnings warns when a new drive shares a disk with another: two copies on one
// disk do not survive that disk.
func (p *Pool) sameDiskWarnings(path, id string) []string {
	dev := deviceOf(path)
	var out []string
	for _, v := range p.views() {
		if v.id() != id && dev != 0 && deviceOf(v.rec.Path) == dev {
			out = append(out, fmt.Sprintf("%s is on the same disk as drive %q: duplication between them does not protect against that disk failing", path, v.rec.Label))
		}
	}
	return out
}

func deviceOf(path string) uint64 {
	var st syscall.Stat_t
	if err := syscall.Stat(path, &st); err != nil {
		return 0
	}
	return st.Dev
}

func within(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// driveByPath finds a member by its path (or label).
func (p *Pool) driveByPath(pathOrLabel string) (view, error) {
	abs, _ := filepath.Abs(pathOrLabel)
	for _, v := range p.views() {
		if v.rec.Path == abs || v.rec.Label == pathOrLabel || v.id() == pathOrLabel {
			return v, nil
		}
	}
	return view{}, fmt.Errorf("%s: %w", pathOrLabel, ErrDriveUnknown)
}

// checkNotForgotten refuses a disk that was a drive of this pool and was written off
// while missing: its files are out of date, and some were deleted since.
func (p *Pool) checkNotForgotten(ctx context.Context, id, path string) error {
	var label string
	err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { label, err = tx.Meta(ctx, metaForgotten+id); return err })
	if errors.Is(err, catalog.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: %s was drive %q of this pool and was removed while it was missing, so its files are out of date; "+
		"copy what you need from its Shares folder, or move its .hearth folder away to add it as a new drive", ErrRefused, path, label)
}

// DriveStates is each drive's state by ID, from memory: cheap enough to ask every few
// seconds, unlike Drives, which counts each drive's files in the index.
func (p *Pool) DriveStates() map[string]State {
	p.mu.RLock()
	defer p.mu.RUnlock()
	out := make(map[string]State, len(p.members))
	for id, m := range p.members {
		out[id] = m.state()
	}
	return out
}
