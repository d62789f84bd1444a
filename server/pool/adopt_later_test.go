package pool_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// placeByHand puts n files on a drive behind the pool's back, as a disk filled with
// another PC, in Docs/hand, and changes the content of Docs/known there.
func placeByHand(t *testing.T, e *pooltest.Env, n int) {
	t.Helper()
	if err := os.MkdirAll(pooltest.OnDisk(e.Drives[0], "Docs/hand"), 0o755); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(pooltest.OnDisk(e.Drives[0], fmt.Sprintf("Docs/hand/%02d.txt", i)), []byte(fmt.Sprint("by hand ", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(pooltest.OnDisk(e.Drives[e.Holders("Docs/known")[0]], "Docs/known"), []byte("changed by hand"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// At start the pool serves before the files placed on a drive by hand are adopted: what
// carries its stamp is read and written as usual, the status counts the files waiting,
// and those are not in the index (not listed, not found) until Run has adopted them. A
// file the family writes meanwhile at the path of one waiting is the newer content; the
// others are adopted as at any start, and a hand-changed file is kept as a version.
func TestHandPlacedAdoptedWhileServing(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Put("Docs/known", []byte("known"))
	const n = 30
	placeByHand(t, e, n)
	e.Crash() // an unclean start compares every drive with the index
	e.AdoptLater = true
	e.Open()

	st, err := e.Pool.Status(ctx)
	if err != nil || st.Adopting != n {
		t.Errorf("before the adoption the status says %d files wait (%v), want %d", st.Adopting, err, n)
	}
	if got := e.Get("Docs/known"); string(got) != "known" {
		t.Errorf("before the adoption Docs/known = %q", got)
	}
	if list, err := e.Pool.List(ctx, "Docs/hand"); err != nil || len(list) != 0 {
		t.Errorf("before the adoption Docs/hand lists %d files (%v), want none", len(list), err)
	}
	if found, err := e.Pool.Find(ctx, "07.txt", []string{"Docs"}, 10); err != nil || len(found) != 0 {
		t.Errorf("before the adoption a search found %v (%v)", found, err)
	}
	e.Put("Docs/hand/07.txt", []byte("written by the family"))
	e.Put("Docs/new", []byte("new"))

	e.Run()
	deadline := time.Now().Add(time.Minute)
	for {
		st, err = e.Pool.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Adopting == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.Adopting != 0 {
		t.Fatalf("the adoption did not finish: %d files wait", st.Adopting)
	}
	e.Pool.AdoptHandPlaced(ctx) // waits for the one Run started, should it still be recording
	for i := range n {
		path := fmt.Sprintf("Docs/hand/%02d.txt", i)
		want := fmt.Sprint("by hand ", i)
		if i == 7 {
			want = "written by the family"
		}
		if got := e.Get(path); string(got) != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	if found, err := e.Pool.Find(ctx, "07.txt", []string{"Docs"}, 10); err != nil || len(found) != 1 {
		t.Errorf("after the adoption a search found %v (%v)", found, err)
	}
	if got := e.Get("Docs/known"); string(got) != "known" {
		t.Errorf("a file changed by hand replaced the pool's: %q", got)
	}
	if vs, _ := e.Pool.Versions(ctx, "Docs/known"); len(vs) != 1 {
		t.Errorf("the hand-changed content was not kept as a version: %+v", vs)
	}
	if got := e.Get("Docs/new"); string(got) != "new" {
		t.Errorf("Docs/new = %q", got)
	}
	if list, err := e.Pool.List(ctx, "Docs/hand"); err != nil || len(list) != n {
		t.Errorf("after the adoption Docs/hand lists %d files (%v), want %d", len(list), err, n)
	}
}

// A pool closed before its adoption ran is not marked clean: the next start walks the
// drives again and adopts what waits. The same after a kill during it.
func TestHandPlacedAdoptionLeftForNextStart(t *testing.T) {
	for _, how := range []string{"closed", "killed"} {
		t.Run(how, func(t *testing.T) {
			ctx := context.Background()
			e := pooltest.New(t, 2)
			e.Share("Docs", 2)
			e.Put("Docs/known", []byte("known"))
			const n = 12
			placeByHand(t, e, n)
			e.Crash()
			e.AdoptLater = true
			e.Open()
			if how == "closed" {
				e.Close()
			} else {
				e.Crash()
			}
			e.AdoptLater = false
			e.Open()
			for i := range n {
				path := fmt.Sprintf("Docs/hand/%02d.txt", i)
				if got := e.Get(path); string(got) != fmt.Sprint("by hand ", i) {
					t.Errorf("%s = %q", path, got)
				}
			}
			if vs, _ := e.Pool.Versions(ctx, "Docs/known"); len(vs) != 1 {
				t.Errorf("the hand-changed content was not kept as a version: %+v", vs)
			}
			// Done now: a clean close and open keep it, with nothing waiting.
			e.Reopen()
			if st, err := e.Pool.Status(ctx); err != nil || st.Adopting != 0 || st.Files != n+1 {
				t.Errorf("after a clean restart: %d files, %d waiting (%v)", st.Files, st.Adopting, err)
			}
		})
	}
}
