package console_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
)

// mum keeps one of her laptop's backups from its page, then downloads a folder of it as
// a zip, which holds exactly what was backed up.
func TestKeepABackupAndDownloadAFolder(t *testing.T) {
	s, _ := start(t)
	s.AddUser("mum", pw, false)
	when := time.Now().Add(-time.Hour).Truncate(time.Second)
	files := map[string][]byte{
		"Letters/grandma.txt":     []byte("Dear Grandma, thank you for the scarf."),
		"Letters/old/school.txt":  []byte("Dear Mrs Smith"),
		"Letters/empty.txt":       {},
		"Letters/photo of us.jpg": bytes.Repeat([]byte("not really a jpeg "), 20_000),
	}
	var entries []backupfstest.Entry
	for p, b := range files {
		entries = append(entries, backupfstest.Entry{Path: p, Data: b, Chunk: 64 << 10, Mtime: when})
	}
	id := backupfstest.Backup(t, s.App.Backups, "laptop", "mum", when, "/home/mum", entries)

	x := newTab(t, s)
	x.signIn("/computers/laptop", "mum", pw)
	x.submit("form[action$='/pin'] button")
	if got := x.flash(); !strings.Contains(got, "kept until you let it go") {
		t.Fatalf("after keeping the backup the page says %q", got)
	}
	pc, err := s.App.Backups.PC(context.Background(), "laptop")
	if err != nil || !slices.Contains(pc.Pinned, id) {
		t.Fatalf("the laptop's kept backups: %v, %v; want %s", pc.Pinned, err, id)
	}

	x.open("/computers/laptop/browse/" + folderOf(t, s, 0) + "/home/mum/Letters/")
	got := unzip(t, x.download("a[href='?zip']"))
	want := map[string][]byte{}
	for p, b := range files {
		want[p] = b
	}
	if len(got) != len(want) {
		t.Errorf("the zip has %d files, want %d: %v", len(got), len(want), keys(got))
	}
	for p, b := range want {
		if !bytes.Equal(got[p], b) {
			t.Errorf("%s in the zip: %d bytes, want the %d backed up", p, len(got[p]), len(b))
		}
	}
	// One file, as it was.
	x.open("/computers/laptop/browse/" + folderOf(t, s, 0) + "/home/mum/Letters/old/")
	if b := x.download("a[href$='school.txt?download']"); !bytes.Equal(b, files["Letters/old/school.txt"]) {
		t.Errorf("school.txt downloaded as %q", b)
	}
}

// unzip reads a zip's files by their path under its top folder.
func unzip(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("the download is not a zip: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s in the zip: %v", f.Name, err)
		}
		out[f.Name] = data
	}
	return out
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Home follows the server's health as it changes: a drive that vanishes appears as a
// problem on the open page, without a reload.
func TestHomeShowsAVanishedDriveLive(t *testing.T) {
	s, _ := start(t, func(o *app.Options) { o.HealthEvery = 100 * time.Millisecond })
	s.AddUser("dad", pw, true)
	disk := filepath.Join(t.TempDir(), "disk2")
	os.Mkdir(disk, 0o755)
	if _, err := s.Admin().AddDrive(context.Background(), disk, "Garage disk"); err != nil {
		t.Fatal(err)
	}
	x := newTab(t, s)
	x.signIn("/", "dad", pw)
	x.eval(`window.__same = true`) // gone if the page is loaded again
	if n := x.eval(`document.querySelectorAll(".alert").length`); n != float64(0) {
		t.Fatalf("%v problems before the drive vanished", n)
	}
	if err := os.Rename(disk, disk+".unplugged"); err != nil {
		t.Fatal(err)
	}
	x.settle(`[...document.querySelectorAll(".alert")].some(a => a.textContent.includes("Garage disk"))`)
	if x.eval(`window.__same === true`) != true {
		t.Fatal("the page was loaded again; it should have changed in place")
	}
}
