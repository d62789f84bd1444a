package backupstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestStreamBlobs: a restore's request for many pieces (more than one index query
// holds, some named twice) gets each exactly once with the content its name says, and a
// request naming one the server lacks fails before anything is sent.
func TestStreamBlobs(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	st := open(t, e, filepath.Join(t.TempDir(), "b.db"), nil)
	when := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	var entries []backupfstest.Entry
	var ids []backup.ID
	for i := range 1200 {
		data := []byte(fmt.Sprintf("note %d from the family's laptop", i))
		entries = append(entries, backupfstest.Entry{Path: fmt.Sprintf("notes/%04d.txt", i), Data: data, Mtime: when})
		ids = append(ids, backup.Hash(data))
	}
	backupfstest.Backup(t, st, "pc", "ann", when, "/home/ann", entries)

	ask := append(append([]backup.ID{}, ids...), ids[7], ids[700], ids[7])
	codec := backup.NewCodec()
	got := map[backup.ID]int{}
	err := st.StreamBlobs(ctx, ask, func(en backup.Entry, stored []byte) error {
		if _, err := codec.Expand(nil, en.ID, en.Enc, stored, int(en.RawLen)); err != nil {
			return err
		}
		got[en.ID]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Fatalf("piece %s sent %d times, want once", id.Short(), got[id])
		}
	}
	if len(got) != len(ids) {
		t.Fatalf("%d pieces sent, %d asked for", len(got), len(ids))
	}

	calls := 0
	err = st.StreamBlobs(ctx, append(ids[:600:600], backup.Hash([]byte("never backed up"))), func(backup.Entry, []byte) error {
		calls++
		return nil
	})
	if !errors.Is(err, backupstore.ErrNoBlob) || calls != 0 {
		t.Fatalf("a request naming a piece the server lacks: %v after %d pieces, want ErrNoBlob before any", err, calls)
	}
}
