package pool_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

func shareNames(t *testing.T, e *pooltest.Env) []string {
	t.Helper()
	ss, err := e.Pool.Shares(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range ss {
		out = append(out, s.Name)
	}
	return out
}

func removedNames(t *testing.T, e *pooltest.Env) []string {
	t.Helper()
	rs, err := e.Pool.RemovedShares(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

// A removed share is hidden, refuses writes and its name, keeps its files duplicated
// through a restart and a rebuild from the drives, and comes back whole, with its access.
func TestRemovedShareIsKeptAndRestored(t *testing.T) {
	e := pooltest.New(t, 2)
	ctx := context.Background()
	e.Share("Docs", 2)
	e.Share("Music", 2)
	e.Put("Music/song", []byte("la la la"))
	e.Mkdir("Music/album")
	e.Put("Music/album/track", []byte("dum dum"))
	if err := e.Cat.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.PutUser(ctx, catalog.User{Name: "ann", Hash: "x", Created: time.Now(), Changed: time.Now()}); err != nil {
			return err
		}
		return tx.SetAccess(ctx, "Music", "ann", "full")
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.Pool.RemoveShare(ctx, "Music"); err != nil {
		t.Fatal(err)
	}
	check := func(when string) {
		t.Helper()
		if got := shareNames(t, e); len(got) != 1 || got[0] != "Docs" {
			t.Errorf("%s: live shares %v, want only Docs", when, got)
		}
		if got := removedNames(t, e); len(got) != 1 || got[0] != "Music" {
			t.Errorf("%s: removed shares %v, want Music", when, got)
		}
		var access map[string]map[string]string
		e.Cat.View(ctx, func(tx *catalog.Tx) (err error) { access, err = tx.Access(ctx); return err })
		if len(access["Music"]) != 0 {
			t.Errorf("%s: access to the removed share stayed: %v", when, access["Music"])
		}
		if h := e.Holders("Music/album/track"); len(h) != 2 {
			t.Errorf("%s: the removed share's file is on drives %v, want both", when, h)
		}
		if _, err := e.Pool.WriteFile(ctx, "Music/new", bytes.NewReader([]byte("x")), pool.WriteOptions{}); !errors.Is(err, pool.ErrNoShare) {
			t.Errorf("%s: writing into the removed share: %v, want ErrNoShare", when, err)
		}
		if _, err := e.Pool.CreateShare(ctx, "Music", 0, ""); !errors.Is(err, pool.ErrShareRemoved) {
			t.Errorf("%s: a new share with the removed one's name: %v, want ErrShareRemoved", when, err)
		}
	}
	check("removed")
	e.Reopen()
	check("after a restart")
	e.Close()
	removeCatalog(t, e)
	e.Open()
	check("after a rebuild from the drives")

	// The rebuilt catalog has the user back only with the mirrored people; ann is there.
	si, err := e.Pool.RestoreShare(ctx, "Music")
	if err != nil {
		t.Fatal(err)
	}
	if si.Files != 2 {
		t.Errorf("restored share holds %d files, want 2", si.Files)
	}
	if got := string(e.Get("Music/album/track")); got != "dum dum" {
		t.Errorf("restored file reads %q", got)
	}
	var access map[string]map[string]string
	e.Cat.View(ctx, func(tx *catalog.Tx) (err error) { access, err = tx.Access(ctx); return err })
	if access["Music"]["ann"] != "full" {
		t.Errorf("access after restore: %v, want ann full", access["Music"])
	}
	if got := removedNames(t, e); len(got) != 0 {
		t.Errorf("removed shares after restore: %v", got)
	}
	e.Put("Music/new", []byte("writable again"))
}

func TestRemoveShareRefusals(t *testing.T) {
	e := pooltest.New(t, 1)
	ctx := context.Background()
	e.Share("Docs", 0)
	if err := e.Pool.RemoveShare(ctx, "Nope"); !errors.Is(err, pool.ErrNoShare) {
		t.Errorf("removing a share that is not there: %v", err)
	}
	if _, err := e.Pool.RestoreShare(ctx, "Docs"); !errors.Is(err, pool.ErrNoShare) {
		t.Errorf("restoring a live share: %v", err)
	}
	if err := e.Pool.PurgeShare(ctx, "Docs"); !errors.Is(err, pool.ErrNoShare) {
		t.Errorf("purging a live share: %v", err)
	}
	if err := e.Pool.RemoveShare(ctx, "Docs"); err != nil {
		t.Fatal(err)
	}
	if err := e.Pool.RemoveShare(ctx, "Docs"); !errors.Is(err, pool.ErrNoShare) {
		t.Errorf("removing a removed share again: %v", err)
	}
}

// After RemovedSharesKeep the background work purges a removed share: its files and
// folders leave the drives, and its name is free again, for good after a rebuild too.
func TestRemovedSharePurgedAfterKeep(t *testing.T) {
	e := pooltest.New(t, 2, func(o *pool.Options) { o.RemovedSharesKeep = time.Nanosecond })
	ctx := context.Background()
	e.Share("Old", 2)
	e.Mkdir("Old/dir")
	e.Put("Old/dir/f", []byte("bye"))
	e.Share("Empty", 1)
	for _, s := range []string{"Old", "Empty"} {
		if err := e.Pool.RemoveShare(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	e.Run()
	pooltest.Eventually(t, 20*time.Second, "purged", func() bool {
		rs, err := e.Pool.RemovedShares(ctx)
		return err == nil && len(rs) == 0
	})
	e.StopRun()
	for _, d := range e.Drives {
		if _, err := os.Stat(pooltest.OnDisk(d, "Old")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the purged share's folder is still on %s: %v", d, err)
		}
	}
	if vs, _ := e.Pool.Versions(ctx, "Old/dir/f"); len(vs) != 0 {
		t.Errorf("a purged share's file left %d previous versions", len(vs))
	}
	e.Close()
	removeCatalog(t, e)
	e.Open()
	if got := append(shareNames(t, e), removedNames(t, e)...); len(got) != 0 {
		t.Errorf("after a rebuild, shares %v came back", got)
	}
	e.Share("Old", 0) // the name is free
}
