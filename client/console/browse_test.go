package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func names(es []entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.name)
	}
	return out
}

// TestBrowse: through the real server's WebDAV drive, the Files page's model lists the
// shares, makes a folder, uploads, renames, downloads and deletes; in a share the user
// may only read, it says so and the server refuses changes.
func TestBrowse(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	b, err := newBrowser(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	top, err := b.list(ctx)
	if err != nil || len(top) == 0 {
		t.Fatalf("shares: %v %v", top, err)
	}
	b.open("Public")
	if !b.writable() {
		t.Fatal("Public is not writable for mum")
	}
	if err := b.mkdir(ctx, "Holiday"); err != nil {
		t.Fatal(err)
	}
	local := filepath.Join(t.TempDir(), "beach.jpg")
	data := make([]byte, 3<<20+17)
	rand.Read(data)
	os.WriteFile(local, data, 0o644)
	b.open("Holiday")
	var last, total int64
	if err := b.upload(ctx, local, func(d, tot int64) { last, total = d, tot }); err != nil {
		t.Fatal(err)
	}
	if last != int64(len(data)) || total != int64(len(data)) {
		t.Errorf("upload progress ended at %d of %d", last, total)
	}
	if err := b.upload(ctx, local, nil); !errors.Is(err, errExists) {
		t.Errorf("a second upload of the same name: %v, want errExists", err)
	}
	if err := b.rename(ctx, "beach.jpg", "beach 2026.jpg"); err != nil {
		t.Fatal(err)
	}
	es, err := b.list(ctx)
	if err != nil || len(es) != 1 || es[0].name != "beach 2026.jpg" || es[0].size != int64(len(data)) {
		t.Fatalf("after upload and rename: %+v %v", es, err)
	}
	out, err := b.download(ctx, es[0], t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, data) {
		t.Error("the downloaded file differs from the upload")
	}
	if _, err := b.download(ctx, es[0], filepath.Dir(out), nil); err == nil {
		t.Error("a download overwrote a file of the same name")
	}
	if err := b.rename(ctx, "beach 2026.jpg", "../escape.jpg"); !errors.Is(err, errBadName) {
		t.Errorf("rename out of the folder: %v", err)
	}
	odd := filepath.Join(t.TempDir(), "50% off a%20b.txt") // the client decodes names once, not twice
	os.WriteFile(odd, []byte("sale"), 0o644)
	if err := b.upload(ctx, odd, nil); err != nil {
		t.Fatal(err)
	}
	if es, _ := b.list(ctx); len(es) != 2 || es[0].name != "50% off a%20b.txt" {
		t.Errorf("after an upload with %% in its name: %v", names(es))
	}
	if err := b.remove(ctx, "50% off a%20b.txt"); err != nil {
		t.Fatal(err)
	}
	if err := b.upload(ctx, filepath.Dir(odd), nil); err == nil {
		t.Error("a folder was uploaded as a file")
	}
	if err := b.remove(ctx, "beach 2026.jpg"); err != nil {
		t.Fatal(err)
	}
	if es, _ := b.list(ctx); len(es) != 0 {
		t.Errorf("after delete: %v", names(es))
	}
	b.open("..")
	b.open("..")
	b.open("Software")
	if b.writable() {
		t.Error("Software is read-only for mum, but the page would offer changes")
	}
	if err := b.mkdir(ctx, "mine"); err == nil {
		t.Error("the server let mum make a folder in a share she may only read")
	}
}

// brokenReader gives n bytes, then fails, as a file on a failing USB stick does.
type brokenReader struct{ n int }

func (r *brokenReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, errors.New("input/output error")
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

// TestUploadCutShort: an upload whose source fails midway leaves nothing on the server,
// not the part that was sent.
func TestUploadCutShort(t *testing.T) {
	ctx := context.Background()
	_, cfg := joinedPC(t)
	b, err := newBrowser(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b.open("Public")
	if err := b.put(ctx, "half.jpg", &brokenReader{n: 1 << 20}, 4<<20, nil); err == nil {
		t.Fatal("an upload whose source failed reported success")
	}
	time.Sleep(200 * time.Millisecond) // let the server finish with the aborted request
	if es, _ := b.list(ctx); len(es) != 0 {
		t.Errorf("after an upload cut short the folder holds %v", names(es))
	}
}
