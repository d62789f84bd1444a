package catalog

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The entry cache (entrycache.go) never answers with a row older than the latest write,
// whichever way the write came: a transaction (each kind of change to an entry), a
// statement outside one, or a change of the drives' numbers; and what it hands out is the
// caller's to change.
func TestEntryCacheNeverStale(t *testing.T) {
	c, _ := open(t)
	ctx := context.Background()
	update(t, c, func(ctx context.Context, tx *Tx) error {
		addDrives(ctx, t, tx, "a", "b")
		return tx.PutEntry(ctx, Entry{Path: "S/f", Size: 1, Gen: 1, Hash: []byte{1}, Copies: []string{"a"}})
	})
	read := func() Entry {
		t.Helper()
		var e Entry
		if err := c.View(ctx, func(tx *Tx) (err error) { e, err = tx.Entry(ctx, "S/f"); return err }); err != nil {
			t.Fatal(err)
		}
		return e
	}
	for _, tc := range []struct {
		name   string
		change func(tx *Tx) error
		inView bool // run outside a transaction
		want   Entry
	}{
		{name: "replaced", change: func(tx *Tx) error {
			return tx.PutEntry(ctx, Entry{Path: "S/f", Size: 2, Gen: 2, Hash: []byte{2}, Copies: []string{"a"}})
		}, want: Entry{Path: "S/f", Size: 2, Gen: 2, Hash: []byte{2}, Copies: []string{"a"}}},
		{name: "copy added", change: func(tx *Tx) error { return tx.AddCopy(ctx, "S/f", "b") },
			want: Entry{Path: "S/f", Size: 2, Gen: 2, Hash: []byte{2}, Copies: []string{"a", "b"}}},
		{name: "copies set outside a transaction", inView: true, change: func(tx *Tx) error { return tx.SetCopies(ctx, "S/f", []string{"b"}) },
			want: Entry{Path: "S/f", Size: 2, Gen: 2, Hash: []byte{2}, Copies: []string{"b"}}},
		{name: "replaced outside a transaction", inView: true, change: func(tx *Tx) error {
			return tx.PutEntry(ctx, Entry{Path: "S/f", Size: 3, Gen: 3, Hash: []byte{3}, Copies: []string{"b"}})
		}, want: Entry{Path: "S/f", Size: 3, Gen: 3, Hash: []byte{3}, Copies: []string{"b"}}},
		{name: "drive removed", change: func(tx *Tx) error {
			if err := tx.SetCopies(ctx, "S/f", []string{"a"}); err != nil {
				return err
			}
			return tx.DeleteDrive(ctx, "b")
		}, want: Entry{Path: "S/f", Size: 3, Gen: 3, Hash: []byte{3}, Copies: []string{"a"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := read()
			before.Copies[0], before.Hash[0] = "mine", 99 // the caller's own copy
			if got := read(); got.Copies[0] == "mine" || got.Hash[0] == 99 {
				t.Fatal("a change to an entry handed out changed the cache")
			}
			var err error
			if tc.inView {
				err = c.View(ctx, tc.change)
			} else {
				err = c.Update(ctx, tc.change)
			}
			if err != nil {
				t.Fatal(err)
			}
			got := read()
			got.ModTime = tc.want.ModTime
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("after the change the index answered (-want +got):\n%s", d)
			}
		})
	}
}
