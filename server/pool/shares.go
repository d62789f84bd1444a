package pool

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// ShareInfo describes a share.
type ShareInfo struct {
	Name        string
	Copies      int // the setting: 0 automatic, 1 or 2
	Wanted      int // what that means now
	Description string
	Files       int64
	Bytes       int64
	// Media: the share is streamed to the TVs of the house (DLNA, without sign-in).
	Media bool
}

// ShareSettings change a share; nil fields stay as they are.
type ShareSettings struct {
	Copies      *int
	Description *string
	Media       *bool
}

func checkCopies(n int) error {
	if n < 0 || n > 2 {
		return fmt.Errorf("%w: copies must be 1 or 2 (or 0 for automatic: 2 once the pool has two drives)", ErrRefused)
	}
	return nil
}

// CreateShare adds a share. copies is 0 (automatic), 1 or 2.
func (p *Pool) CreateShare(ctx context.Context, name string, copies int, description string) (ShareInfo, error) {
	if err := safepath.ShareName(name); err != nil {
		return ShareInfo{}, err
	}
	if err := checkCopies(copies); err != nil {
		return ShareInfo{}, err
	}
	p.ns.Lock()
	defer p.ns.Unlock()
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		if s, err := tx.Share(ctx, name); err == nil && !s.Removed.IsZero() {
			return fmt.Errorf("share %s: %w", name, ErrShareRemoved)
		} else if err == nil {
			return fmt.Errorf("share %s: %w", name, ErrExist)
		}
		if _, err := tx.Entry(ctx, name); err == nil {
			return fmt.Errorf("share %s: %w", name, ErrExist)
		}
		return nil
	})
	if err != nil {
		return ShareInfo{}, err
	}
	gen, err := p.nextGen(ctx)
	if err != nil {
		return ShareInfo{}, err
	}
	s := catalog.Share{Name: name, Copies: copies, Description: description, Created: p.now()}
	root := catalog.Entry{Path: name, Dir: true, ModTime: s.Created, Gen: gen}
	if err := p.mkdirOnDrives(ctx, root); err != nil && !errors.Is(err, ErrNoDrives) {
		return ShareInfo{}, err
	}
	err = p.cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.PutShare(ctx, s); err != nil {
			return err
		}
		return tx.PutEntry(ctx, root)
	})
	if err != nil {
		return ShareInfo{}, err
	}
	p.changed()
	p.log.Info("share created", "share", name, "copies", copies)
	return ShareInfo{Name: name, Copies: copies, Wanted: p.wantCopies(s), Description: description}, p.writeMirrors(ctx)
}

// SetShare changes a share's settings. A change of duplication is carried out in the
// background: files are copied to a second drive, or their extra copy is removed.
func (p *Pool) SetShare(ctx context.Context, name string, set ShareSettings) (ShareInfo, error) {
	if set.Copies != nil {
		if err := checkCopies(*set.Copies); err != nil {
			return ShareInfo{}, err
		}
	}
	var s catalog.Share
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error {
		var err error
		if s, err = tx.Share(ctx, name); errors.Is(err, catalog.ErrNotFound) || (err == nil && !s.Removed.IsZero()) {
			return fmt.Errorf("%s: %w", name, ErrNoShare)
		} else if err != nil {
			return err
		}
		if set.Copies != nil {
			s.Copies = *set.Copies
		}
		if set.Description != nil {
			s.Description = *set.Description
		}
		if set.Media != nil {
			s.Media = *set.Media
		}
		return tx.PutShare(ctx, s)
	})
	if err != nil {
		return ShareInfo{}, err
	}
	p.wake()
	p.changed()
	return p.shareInfo(ctx, s), p.writeMirrors(ctx)
}

// Shares lists the live shares (not the removed ones) with what they hold.
func (p *Pool) Shares(ctx context.Context) ([]ShareInfo, error) {
	var shares []catalog.Share
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { shares, err = tx.Shares(ctx); return err }); err != nil {
		return nil, err
	}
	out := make([]ShareInfo, 0, len(shares))
	for _, s := range shares {
		if s.Removed.IsZero() {
			out = append(out, p.shareInfo(ctx, s))
		}
	}
	return out, nil
}

// wantedCopies is how many copies each share's files should have, removed shares
// included: their files are kept as well as any until they are purged.
func (p *Pool) wantedCopies(ctx context.Context) (map[string]int, error) {
	var shares []catalog.Share
	if err := p.cat.View(ctx, func(tx *catalog.Tx) (err error) { shares, err = tx.Shares(ctx); return err }); err != nil {
		return nil, err
	}
	want := make(map[string]int, len(shares))
	for _, s := range shares {
		want[s.Name] = p.wantCopies(s)
	}
	return want, nil
}

func (p *Pool) shareInfo(ctx context.Context, s catalog.Share) ShareInfo {
	si := ShareInfo{Name: s.Name, Copies: s.Copies, Wanted: p.wantCopies(s), Description: s.Description, Media: s.Media}
	p.cat.View(ctx, func(tx *catalog.Tx) error {
		t, err := tx.Totals(ctx, s.Name)
		si.Files, si.Bytes = t.Files, t.Bytes
		return err
	})
	return si
}
