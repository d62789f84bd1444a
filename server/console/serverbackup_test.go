package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/backup/crypt"
)

// The Server backup page: an administrator adds a backup to a folder (a drive's),
// runs it, and sees it succeed as the page follows the run; the folder then holds the
// backup. An encrypted one shows its recovery key once; passphrases that differ are
// refused in words; a share comes back beside the family's files.
func TestServerBackupPage(t *testing.T) {
	s, disk := start(t)
	s.AddUser("dad", pw, true)
	ctx := context.Background()
	if _, err := s.Admin().Put(ctx, "Music/song.ogg", strings.NewReader("la la la"), 8, time.Now()); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	x := newTab(t, s)
	x.signIn("/serverbackup", "dad", pw)
	x.accessible("serverbackup")
	// The disk plugged in (not a pool drive) is offered as a place to back up to.
	if got := x.text("[data-drives]"); !strings.Contains(got, disk) {
		t.Errorf("the drives offered: %q, want %s", got, disk)
	}
	x.set("#sb-name", "USB disk")
	x.set("#sb-folder", target)
	x.submit("form[action='/serverbackup'] button[type=submit]")
	if got := x.flash(); !strings.Contains(got, "USB disk is made") {
		t.Fatalf("after adding the backup the page says %q", got)
	}
	x.submit(`form[action="/serverbackup/USB%20disk/run"] button`)
	if got := x.flash(); !strings.Contains(got, "has started") {
		t.Fatalf("after Back up now the page says %q", got)
	}
	// The page follows the run by itself (live.js) until it is done.
	x.settle(`(document.querySelector("[data-job='USB disk'] [data-state]") || {textContent: ""}).textContent.startsWith("Backed up")`)
	if got := x.text("[data-job='USB disk'] [data-state]"); !strings.Contains(got, "1 file") {
		t.Errorf("the finished run reads %q", got)
	}
	if entries, err := os.ReadDir(filepath.Join(target, "snapshots")); err != nil || len(entries) != 1 {
		t.Errorf("the drive's folder holds %d backups (%v), want 1", len(entries), err)
	}
	x.shots("serverbackup")

	// Encrypted: the passphrase twice, and the recovery key shown this once.
	second := t.TempDir()
	x.set("#sb-name", "Locked disk")
	x.set("#sb-folder", second)
	x.do(chromedp.Click("#sb-encrypt"))
	x.set("#sb-pass", "a long family passphrase")
	x.set("#sb-pass2", "a different one")
	x.submit("form[action='/serverbackup'] button[type=submit]")
	if got := x.flash(); !strings.Contains(got, "The two passphrases differ") {
		t.Fatalf("passphrases that differ: the page says %q", got)
	}
	x.set("#sb-name", "Locked disk")
	x.set("#sb-folder", second)
	x.do(chromedp.Click("#sb-encrypt"))
	x.set("#sb-pass", "a long family passphrase")
	x.set("#sb-pass2", "a long family passphrase")
	x.submit("form[action='/serverbackup'] button[type=submit]")
	key := x.text("[data-recovery]")
	if _, err := crypt.ParseRecoveryKey(key); err != nil {
		t.Fatalf("the recovery key shown %q: %v", key, err)
	}
	x.open("/serverbackup")
	if n := x.eval(`document.querySelectorAll("[data-recovery]").length`); n != float64(0) {
		t.Error("the recovery key is shown again")
	}

	// A share back from the backup, beside the family's files.
	x.do(clickSummary("Restore…"))
	x.set(`form[action="/serverbackup/USB%20disk/restore"] select`, "Music")
	x.submit(`form[action="/serverbackup/USB%20disk/restore"] button`)
	if got := x.flash(); !strings.Contains(got, "Music is back: 1 file") || !strings.Contains(got, "Restored") {
		t.Fatalf("after restoring Music the page says %q", got)
	}
	// One file alone, beside the family's copy.
	x.do(clickSummary("Restore…"))
	x.set(`form[action="/serverbackup/USB%20disk/restore"] select`, "Music")
	x.set(`form[action="/serverbackup/USB%20disk/restore"] input[name=path]`, "song.ogg")
	x.submit(`form[action="/serverbackup/USB%20disk/restore"] button`)
	got := x.flash()
	if !strings.Contains(got, "Music/song.ogg is back: 1 file") || !strings.Contains(got, "Music/Restored ") {
		t.Fatalf("after restoring Music/song.ogg the page says %q", got)
	}
}
