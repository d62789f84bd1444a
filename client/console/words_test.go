package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/internal/plainwords"
)

// TestFilesPageFailuresInPlainWords drives the Files page's failures against a real
// server: a share mum may only read, a download into a place that cannot be a folder,
// and the server away; every line the page shows must be plain words.
func TestFilesPageFailuresInPlainWords(t *testing.T) {
	ctx := context.Background()
	s, cfg := joinedPC(t)
	s.SetAccess("Public", "mum", "read")
	if _, err := s.Admin().Put(ctx, "Public/note.txt", strings.NewReader("hello"), 5, time.Now()); err != nil {
		t.Fatal(err)
	}
	c := filesOf(t, cfg)
	p := c.files
	seen := map[string]string{}
	p.openEntry(find(t, p, "Public"))
	c.work.wait()

	p.mkdir("Holiday")
	c.work.wait()
	seen["a folder made in a share mum may only read"] = p.status.Text
	p.list.Select(find(t, p, "note.txt"))
	p.remove("note.txt")
	c.work.wait()
	seen["a file deleted in a share mum may only read"] = p.status.Text

	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	b, e, ok := p.chosen()
	if !ok {
		p.list.Select(find(t, p, "note.txt"))
		b, e, _ = p.chosen()
	}
	p.downloadTo(b, e, filepath.Join(file, "here"))
	c.work.wait()
	seen["a download into a place that cannot be a folder"] = p.status.Text

	s.Stop()
	p.refresh()
	c.work.wait()
	seen["the folder listed again with the server away"] = p.status.Text
	p.mkdir("Holiday")
	c.work.wait()
	seen["a folder made with the server away"] = p.status.Text

	for what, text := range seen {
		if text == "" {
			t.Errorf("%s: the page said nothing", what)
		} else if found := plainwords.Find(text); len(found) > 0 {
			t.Errorf("%s: the page says %q, which has %q", what, text, found)
		} else {
			t.Logf("%s: %q", what, text)
		}
	}
}
