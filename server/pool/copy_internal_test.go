package pool

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/server/catalog"
)

// Two workers (the repairer and an evacuation) that both saw a file short of a copy must
// not both copy it onto the same drive: the second would file the first's copy as a
// "previous version" of itself.
func TestConcurrentCopiesDoNotMakeVersions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.Open(ctx, filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	p, err := Open(ctx, Options{Catalog: cat, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Reserve: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(ctx)
	for _, name := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(dir, name), 0o755)
		if _, err := p.AddDrive(ctx, filepath.Join(dir, name), ""); err != nil {
			t.Fatal(err)
		}
	}
	p.CreateShare(ctx, "Docs", 1, "")
	p.WriteFile(ctx, "Docs/f", bytes.NewReader([]byte("content")), WriteOptions{})
	two := 2
	p.SetShare(ctx, "Docs", ShareSettings{Copies: &two})
	e, err := p.entry(ctx, "Docs/f")
	if err != nil {
		t.Fatal(err)
	}
	first := p.addCopies(ctx, e, 1, false)
	second := p.addCopies(ctx, e, 1, false) // the same, now stale, view of the file
	if len(first) != 1 || len(second) != 0 {
		t.Errorf("copies made: %v then %v; want one, then none", first, second)
	}
	if vs, _ := p.Versions(ctx, "Docs/f"); len(vs) != 0 {
		t.Errorf("copying made versions: %+v", vs)
	}
}
