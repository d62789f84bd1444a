package catalog_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
)

func TestBlockSumsAndBadCopies(t *testing.T) {
	ctx := context.Background()
	c, err := catalog.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	kept, gone := []byte("hash-of-a-file-still-here......."), []byte("hash-of-a-file-deleted.........")
	sums := catalog.BlockSums{Shift: 18, CRCs: []uint32{1, 0xffffffff, 42}}
	err = c.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.PutEntry(ctx, catalog.Entry{Path: "Docs", Dir: true, Gen: 1}); err != nil {
			return err
		}
		if err := tx.PutEntry(ctx, catalog.Entry{Path: "Docs/a", Size: 3, Hash: kept, Gen: 2}); err != nil {
			return err
		}
		if err := tx.PutBlockSums(ctx, kept, sums); err != nil {
			return err
		}
		if err := tx.PutBlockSums(ctx, gone, sums); err != nil {
			return err
		}
		if n, err := tx.PruneBlockSums(ctx); err != nil || n != 1 {
			t.Errorf("pruned %d, %v; want the one no file has", n, err)
		}
		got, err := tx.BlockSums(ctx, kept)
		if err != nil || got.Shift != sums.Shift || !slices.Equal(got.CRCs, sums.CRCs) {
			t.Errorf("block sums = %+v, %v; want %+v", got, err, sums)
		}
		if _, err := tx.BlockSums(ctx, gone); !errors.Is(err, catalog.ErrNotFound) {
			t.Errorf("pruned sums: %v, want ErrNotFound", err)
		}
		now := time.Now()
		for _, b := range []catalog.BadCopy{{Drive: "d1", Path: "Docs/a", Gen: 2, Found: now}, {Drive: "d1", Path: "Docs/b", Gen: 3, Found: now},
			{Drive: "d2", Path: "Docs/a", Gen: 2, Found: now.Add(-40 * 24 * time.Hour)}} {
			if err := tx.AddBadCopy(ctx, b); err != nil {
				return err
			}
		}
		if err := tx.SetBadCopyHealed(ctx, "d1", "Docs/b", 3, now); err != nil {
			return err
		}
		pending, err := tx.PendingBadCopies(ctx)
		if err != nil || len(pending) != 2 || pending[0].Drive != "d2" {
			t.Errorf("pending = %+v, %v; want d2's then d1's Docs/a", pending, err)
		}
		counts, err := tx.BadCopiesSince(ctx, now.Add(-30*24*time.Hour))
		if err != nil || counts["d1"] != 2 || counts["d2"] != 0 {
			t.Errorf("counts this month = %v, %v; want d1: 2", counts, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
