package pool

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool/drive"
)

// twoDrives opens a pool of two drives with a share Docs holding a file at path, and
// returns the file's index entry as it was then.
func twoDrives(t *testing.T, path string, content []byte) (*Pool, catalog.Entry) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.Open(ctx, filepath.Join(dir, "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	p, err := Open(ctx, Options{Catalog: cat, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Reserve: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(ctx) })
	for _, name := range []string{"a", "b"} {
		os.Mkdir(filepath.Join(dir, name), 0o755)
		if _, err := p.AddDrive(ctx, filepath.Join(dir, name), ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.CreateShare(ctx, "Docs", 2, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := p.WriteFile(ctx, path, bytes.NewReader(content), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	e, err := p.entry(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return p, e
}

func recordedBad(t *testing.T, p *Pool) int {
	t.Helper()
	n := 0
	err := p.cat.View(context.Background(), func(tx *catalog.Tx) error {
		counts, err := tx.BadCopiesSince(context.Background(), time.Time{})
		for _, c := range counts {
			n += c
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A file rewritten after the scrub read its batch of the index fails the old hash on
// every copy: that is a change, not damage, and no drive is blamed.
func TestRewriteDuringScrubIsNotDamage(t *testing.T) {
	ctx := context.Background()
	p, old := twoDrives(t, "Docs/f", bytes.Repeat([]byte("first "), 1000))
	if _, err := p.WriteFile(ctx, "Docs/f", bytes.NewReader([]byte("second")), WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	var rep ScrubReport
	p.scrubFile(ctx, old, &rep, drive.AlignedBuffer(scrubRead))
	if rep.Bad != 0 || len(rep.Damaged) != 0 || recordedBad(t, p) != 0 {
		t.Errorf("scrub of a file rewritten meanwhile: %d bad, damaged %v, %d recorded; want none", rep.Bad, rep.Damaged, recordedBad(t, p))
	}
}

// A read that opens a copy just after the file was replaced (its index entry read before)
// sees content that fails the old hash: the read says the file changed, and no copy is
// marked bad.
func TestRewriteDuringReadIsNotDamage(t *testing.T) {
	for _, size := range []int{5000, 3 << 20} {
		ctx := context.Background()
		p, old := twoDrives(t, "Docs/f", bytes.Repeat([]byte("x"), size))
		if _, err := p.WriteFile(ctx, "Docs/f", bytes.NewReader(bytes.Repeat([]byte("y"), size)), WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		f, err := p.openEntry(ctx, old, p.readSources(old))
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(f)
		f.Close()
		if !errors.Is(err, ErrChanged) || recordedBad(t, p) != 0 {
			t.Errorf("%d bytes: a read across a rewrite: %v, %d copies marked bad; want ErrChanged and none", size, err, recordedBad(t, p))
		}
	}
}
