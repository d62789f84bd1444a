package media

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestPoolFS: the pool as dms browses it is a well-behaved fs.FS (the standard library's
// checks: listings, stats, reads, seeks) holding the streamed shares and nothing else,
// hidden files left out; a share turned off disappears at once, and paths that climb
// out are refused.
func TestPoolFS(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 2)
	for _, s := range []string{"Music", "Diary"} {
		e.Share(s, 2)
	}
	e.Mkdir("Music/Album")
	e.Put("Music/Album/one.mp3", make([]byte, 600<<10)) // larger than a checked block
	e.Put("Music/two.ogg", []byte("la la"))
	e.Put("Diary/secret.mp4", []byte("dear diary"))
	e.Put("Music/.DS_Store", []byte("finder"))
	e.Mkdir("Music/.thumbnails")
	e.Put("Music/.thumbnails/one.jpg", []byte("small"))
	on, off := true, false
	if _, err := e.Pool.SetShare(ctx, "Music", pool.ShareSettings{Media: &on}); err != nil {
		t.Fatal(err)
	}
	fsys := &poolFS{ctx: ctx, pool: e.Pool}
	if err := fstest.TestFS(fsys, "Music/Album/one.mp3", "Music/two.ogg"); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Diary", "Diary/secret.mp4", "Nope/x", "Music/.DS_Store", "Music/.thumbnails/one.jpg", "../Diary/secret.mp4", "/Music/two.ogg", "Music/../Diary/secret.mp4"} {
		if _, err := fsys.Open(name); err == nil {
			t.Errorf("open %s: no error", name)
		}
	}
	if _, err := fsys.Open("Diary/secret.mp4"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a private share's file: %v, want it not to exist", err)
	}
	if _, err := e.Pool.SetShare(ctx, "Music", pool.ShareSettings{Media: &off}); err != nil {
		t.Fatal(err)
	}
	if ents, err := fs.ReadDir(fsys, "."); err != nil || len(ents) != 0 {
		t.Errorf("with no share streamed the root holds %v (%v)", ents, err)
	}
	if _, err := fsys.Open("Music/two.ogg"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a share turned off: %v, want its files not to exist", err)
	}
}
