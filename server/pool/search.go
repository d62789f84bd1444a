package pool

import (
	"context"
	"slices"

	"github.com/hearth-home/hearth/server/catalog"
)

// BackupsShare is the share the PCs' backups are kept in (backupstore.Share). Its files
// are the backup store's packs, not the family's, so a search never looks in it.
const BackupsShare = "Backups"

// Search limits: how many results Find gives when asked for none, and at most.
const (
	FindDefault = 50
	FindMax     = 1000
)

// Find returns up to limit files and folders (FindDefault when limit is 0 or less, at
// most FindMax) whose names hold query, ignoring case and accents, from the given shares
// only: the caller passes the shares its user may read. The Backups share and removed
// shares are never searched. Whole names come first, then names starting with query,
// then the others, shorter paths first; a query of one or two characters finds the
// names that start with it.
func (p *Pool) Find(ctx context.Context, query string, shares []string, limit int) ([]FileInfo, error) {
	if limit <= 0 {
		limit = FindDefault
	}
	limit = min(limit, FindMax)
	var out []FileInfo
	err := p.cat.View(ctx, func(tx *catalog.Tx) error {
		all, err := tx.Shares(ctx)
		if err != nil {
			return err
		}
		want := map[string]int{}
		var search []string
		for _, s := range all {
			if s.Removed.IsZero() && s.Name != BackupsShare && slices.Contains(shares, s.Name) {
				want[s.Name] = p.wantCopies(s)
				search = append(search, s.Name)
			}
		}
		found, err := tx.Find(ctx, query, search, limit)
		if err != nil {
			return err
		}
		out = make([]FileInfo, 0, len(found))
		for _, f := range found {
			out = append(out, p.infoOf(f.Entry, want[shareOf(f.Path)]))
		}
		return nil
	})
	return out, err
}
