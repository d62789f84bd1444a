package pool_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

func findPaths(t *testing.T, p *pool.Pool, q string, shares []string) []string {
	t.Helper()
	fs, err := p.Find(context.Background(), q, shares, 0)
	if err != nil {
		t.Fatalf("Find(%q): %v", q, err)
	}
	var out []string
	for _, f := range fs {
		out = append(out, f.Path)
	}
	return out
}

func TestPoolFind(t *testing.T) {
	e := pooltest.New(t, 2)
	for _, s := range []string{"Docs", "Private", "Gone", pool.BackupsShare} {
		e.Share(s, 1)
	}
	for _, p := range []string{"Docs/Holiday photo.jpg", "Private/holiday plans.txt", "Gone/holiday.txt", pool.BackupsShare + "/holiday.pack"} {
		e.Put(p, []byte(p))
	}
	if err := e.Pool.RemoveShare(context.Background(), "Gone"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		shares []string
		want   []string
	}{
		{"the shares given only", []string{"Docs"}, []string{"Docs/Holiday photo.jpg"}},
		{"both", []string{"Docs", "Private"}, []string{"Docs/Holiday photo.jpg", "Private/holiday plans.txt"}},
		{"never the backups", []string{"Docs", pool.BackupsShare}, []string{"Docs/Holiday photo.jpg"}},
		{"never a removed share", []string{"Docs", "Gone"}, []string{"Docs/Holiday photo.jpg"}},
		{"no shares, nothing", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, findPaths(t, e.Pool, "holiday", tc.shares)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	fs, err := e.Pool.Find(context.Background(), "holiday photo.JPG", []string{"Docs"}, 0)
	if err != nil || len(fs) != 1 {
		t.Fatalf("Find = %v, %v", fs, err)
	}
	if f := fs[0]; f.Name != "Holiday photo.jpg" || f.Dir || f.Size != int64(len(f.Path)) || f.ModTime.IsZero() || f.Copies != 1 || f.Wanted != 1 {
		t.Errorf("found %+v", f)
	}
}

// A pool rebuilt from its drives (its catalog lost) can be searched at once, and goes
// on following changes.
func TestFindAfterRebuildFromDrives(t *testing.T) {
	e := pooltest.New(t, 2)
	ctx := context.Background()
	e.Share("Docs", 2)
	e.Mkdir("Docs/Été 2024")
	for i := range 20 {
		e.Put(fmt.Sprintf("Docs/Été 2024/photo %02d.jpg", i), []byte{byte(i)})
	}
	e.Close()
	removeCatalog(t, e)
	e.Drives = e.Drives[:1] // the other is found through it
	e.Open()
	if got := findPaths(t, e.Pool, "ete 20", []string{"Docs"}); len(got) != 1 || got[0] != "Docs/Été 2024" {
		t.Errorf("after a rebuild, Find(ete 20) = %v", got)
	}
	if got := findPaths(t, e.Pool, "PHOTO 1", []string{"Docs"}); len(got) != 10 {
		t.Errorf("after a rebuild, Find(PHOTO 1) found %d: %v", len(got), got)
	}
	if err := e.Pool.Rename(ctx, "Docs/Été 2024/photo 13.jpg", "Docs/Été 2024/sunset.jpg"); err != nil {
		t.Fatal(err)
	}
	if got := findPaths(t, e.Pool, "sunset", []string{"Docs"}); len(got) != 1 {
		t.Errorf("a rename after the rebuild: Find(sunset) = %v", got)
	}
}

func TestFindQueryLength(t *testing.T) {
	e := pooltest.New(t, 1)
	e.Share("Docs", 1)
	for _, p := range []string{"Docs/ab", "Docs/abc", "Docs/xabc"} {
		e.Put(p, nil)
	}
	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"a", []string{"Docs/ab", "Docs/abc"}},
		{"ab", []string{"Docs/ab", "Docs/abc"}},
		{"bc", nil}, // short: the start of a name only
		{"abc", []string{"Docs/abc", "Docs/xabc"}},
	} {
		if diff := cmp.Diff(tc.want, findPaths(t, e.Pool, tc.q, []string{"Docs"})); diff != "" {
			t.Errorf("Find(%q) (-want +got):\n%s", tc.q, diff)
		}
	}
}

// Each share is its own range of numbers in the search index: after a rebuild from the
// drives (a bulk build), a file added in each share, a share added, a file moved from one
// share to another and a share removed and restored are found in their share only.
func TestFindByShareAfterRebuild(t *testing.T) {
	e := pooltest.New(t, 2)
	ctx := context.Background()
	for _, s := range []string{"Docs", "Private"} {
		e.Share(s, 1)
		e.Put(s+"/old "+s+" notes.txt", nil)
	}
	e.Close()
	removeCatalog(t, e)
	e.Open()
	for _, s := range []string{"Docs", "Private"} {
		e.Put(s+"/new "+s+" notes.txt", nil)
	}
	e.Share("Music", 1)
	e.Put("Music/new Music notes.txt", nil)
	if err := e.Pool.Rename(ctx, "Private/old Private notes.txt", "Docs/moved notes.txt"); err != nil {
		t.Fatal(err)
	}
	if err := e.Pool.Rename(ctx, "Docs/old Docs notes.txt", "Music/old Docs notes.txt"); err != nil {
		t.Fatal(err)
	}
	check := func(when string, cases map[string][]string) {
		t.Helper()
		for share, want := range cases {
			if diff := cmp.Diff(want, findPaths(t, e.Pool, "notes", []string{share})); diff != "" {
				t.Errorf("%s, Find(notes, [%s]) (-want +got):\n%s", when, share, diff)
			}
		}
	}
	check("after the changes", map[string][]string{
		"Docs":    {"Docs/moved notes.txt", "Docs/new Docs notes.txt"},
		"Private": {"Private/new Private notes.txt"},
		"Music":   {"Music/old Docs notes.txt", "Music/new Music notes.txt"},
	})
	if err := e.Pool.RemoveShare(ctx, "Private"); err != nil {
		t.Fatal(err)
	}
	check("with Private removed", map[string][]string{"Private": nil})
	if _, err := e.Pool.RestoreShare(ctx, "Private"); err != nil {
		t.Fatal(err)
	}
	check("with Private restored", map[string][]string{"Private": {"Private/new Private notes.txt"}})
}
