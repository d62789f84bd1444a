package backupclient_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
)

const pw = "correct horse battery"

// join joins a PC named pc to the server as user and returns its connection.
func join(t *testing.T, s *apptest.Server, user, pc string) connector.Config {
	t.Helper()
	ctx := context.Background()
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connector.Join(ctx, id, user, pw, pc)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// joined joins a PC named pc to the server as user and returns its backup client.
func joined(t *testing.T, s *apptest.Server, user, pc string) *backupclient.Client {
	t.Helper()
	c, err := backupclient.New(join(t, s, user, pc))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// annsPC starts a server with the user ann and joins her PC named pc to it.
func annsPC(t *testing.T, pc string, edit ...func(*app.Options)) (*apptest.Server, *backupclient.Client) {
	t.Helper()
	s := apptest.Start(t, edit...)
	s.AddUser("ann", pw, false)
	return s, joined(t, s, "ann", pc)
}

func random(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed*7+1))
	b := make([]byte, n+8)
	for i := 0; i < n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], r.Uint64())
	}
	return b[:n]
}

// makeTree writes a tree with what a home folder holds: many small files, some large
// ones, a sparse one, names in several scripts, links, empty folders.
func makeTree(t *testing.T, dir string, seed uint64) {
	t.Helper()
	write := func(rel string, data []byte, mode fs.FileMode) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, mode); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 300 {
		write(filepath.Join("Documents", "letters", string(rune('a'+i%26)), "note"+string(rune('0'+i%10))+"-"+itoa(i)+".txt"), random(seed+uint64(i), 100+i*37), 0o644)
	}
	write("Pictures/holiday.raw", random(seed+1000, 9<<20+12345), 0o644)
	write("Videos/clip.mp4", random(seed+1001, 3<<20), 0o600)
	write("Music/Sigur Rós/Ágætis byrjun.flac", random(seed+1002, 700<<10), 0o644)
	write("日本語/ファイル.txt", []byte("こんにちは"), 0o644)
	write("Ελληνικά/αρχείο.txt", []byte("γεια"), 0o644)
	write("empty-file", nil, 0o644)
	write("scripts/run.sh", []byte("#!/bin/sh\necho hi\n"), 0o755)
	for _, d := range []string{"empty", "nested/empty/deeper"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("Documents/letters", filepath.Join(dir, "letters-link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/nowhere/at/all", filepath.Join(dir, "dangling")); err != nil {
		t.Fatal(err)
	}
	// A sparse disk image: 64 MiB with a little data in the middle.
	f, err := os.Create(filepath.Join(dir, "disk.img"))
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt(random(seed+2000, 100000), 30<<20)
	f.Truncate(64 << 20)
	f.Close()
	old := time.Date(2019, 5, 4, 3, 2, 1, 123456789, time.UTC)
	os.Chtimes(filepath.Join(dir, "Videos/clip.mp4"), old, old)
	os.Chtimes(filepath.Join(dir, "empty"), old, old)
}

func itoa(i int) string {
	b := []byte{}
	for {
		b = append([]byte{byte('0' + i%10)}, b...)
		i /= 10
		if i == 0 {
			return string(b)
		}
	}
}

// sameTree fails unless got holds what want holds: content, modes, times and links.
func sameTree(t *testing.T, want, got string, atLeast int) {
	t.Helper()
	n := 0
	err := filepath.WalkDir(want, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(want, p)
		q := filepath.Join(got, rel)
		wi, _ := os.Lstat(p)
		gi, err := os.Lstat(q)
		if err != nil {
			t.Errorf("%s missing after restore: %v", rel, err)
			return nil
		}
		n++
		if wi.Mode() != gi.Mode() {
			t.Errorf("%s: mode %v, want %v", rel, gi.Mode(), wi.Mode())
		}
		switch {
		case wi.Mode()&fs.ModeSymlink != 0:
			wl, _ := os.Readlink(p)
			gl, _ := os.Readlink(q)
			if wl != gl {
				t.Errorf("%s: link to %q, want %q", rel, gl, wl)
			}
			return nil
		case wi.Mode().IsRegular():
			wb, _ := os.ReadFile(p)
			gb, _ := os.ReadFile(q)
			if !bytes.Equal(wb, gb) {
				t.Errorf("%s: content differs (%d bytes, want %d)", rel, len(gb), len(wb))
			}
		}
		if !wi.ModTime().Equal(gi.ModTime()) {
			t.Errorf("%s: mtime %v, want %v", rel, gi.ModTime(), wi.ModTime())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < atLeast {
		t.Fatalf("compared only %d entries", n)
	}
}
