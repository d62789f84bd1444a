package backupclient_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
)

// TestBackupRestore: what is backed up comes back byte-identical, with times, modes,
// links, empty folders, names in any script, and holes in sparse files.
func TestBackupRestore(t *testing.T) {
	ctx := context.Background()
	_, c := annsPC(t, "Ann's laptop")
	home := filepath.Join(t.TempDir(), "home", "ann")
	makeTree(t, home, 1)

	start := time.Now()
	snap, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}})
	t.Logf("backup took %v", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	if snap.Files < 300 || snap.Added == 0 {
		t.Fatalf("backup %+v: want every file counted and data added", snap)
	}
	to := t.TempDir()
	start = time.Now()
	st, err := c.Restore(ctx, snap.ID, home, to, restorer.Options{})
	t.Logf("restore took %v", time.Since(start))
	if err != nil {
		t.Fatal(err)
	}
	sameTree(t, home, filepath.Join(to, "ann"), 300)
	if st.Files < 300 {
		t.Errorf("restored %d files", st.Files)
	}
	var sys syscall.Stat_t
	if err := syscall.Stat(filepath.Join(to, "ann", "disk.img"), &sys); err != nil {
		t.Fatal(err)
	}
	if used := sys.Blocks * 512; used > 16<<20 {
		t.Errorf("the sparse 64 MiB image takes %d bytes after restore; its holes were filled", used)
	}

	// One file of the backup, by its path inside it.
	one := t.TempDir()
	if _, err := c.Restore(ctx, "latest", filepath.Join(home, "Music"), one, restorer.Options{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, filepath.Join(home, "Music"), filepath.Join(one, "Music"), 3)
}

// TestUnchangedNotReread: a second backup with nothing changed sends nothing new, and
// one changed file sends about its own size.
func TestUnchangedNotReread(t *testing.T) {
	ctx := context.Background()
	_, c := annsPC(t, "laptop")
	home := filepath.Join(t.TempDir(), "ann")
	makeTree(t, home, 2)
	if _, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}}); err != nil {
		t.Fatal(err)
	}
	again, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}})
	if err != nil {
		t.Fatal(err)
	}
	// Only folder listings may change (the folders above home have new times).
	if again.Added > 4096 {
		t.Errorf("an unchanged tree added %d bytes", again.Added)
	}
	if err := os.WriteFile(filepath.Join(home, "Documents", "new.txt"), random(99, 50000), 0o644); err != nil {
		t.Fatal(err)
	}
	third, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}})
	if err != nil {
		t.Fatal(err)
	}
	if third.Added < 50000 || third.Added > 200000 {
		t.Errorf("one new 50 kB file added %d bytes", third.Added)
	}
}

// lockedSource is the PC's files with one of them locked by a program, as Outlook locks
// its mailbox: it can be listed but not opened.
type lockedSource struct {
	archiver.OS
	locked string
}

func (l lockedSource) Open(p string) (io.ReadCloser, error) {
	if p == l.locked {
		return nil, errors.New("the file is in use by another program")
	}
	return l.OS.Open(p)
}

// TestLockedFileKeepsLastCopy: a file that cannot be read this time stays in the backup
// as it was last time, and the backup says so.
func TestLockedFileKeepsLastCopy(t *testing.T) {
	ctx := context.Background()
	_, c := annsPC(t, "laptop")
	home := filepath.Join(t.TempDir(), "ann")
	mail := filepath.Join(home, "mail.pst")
	os.MkdirAll(home, 0o755)
	os.WriteFile(mail, []byte("last week's mail"), 0o644)
	if _, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(mail, []byte("this week's mail, locked"), 0o644)
	snap, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}, Source: lockedSource{locked: mail}})
	if err != nil {
		t.Fatal(err)
	}
	_, full, err := c.Snapshot(ctx, snap.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Skipped) != 1 || !strings.Contains(full.Skipped[0], "previous backup's copy is kept") {
		t.Errorf("skipped: %q", full.Skipped)
	}
	to := t.TempDir()
	if _, err := c.Restore(ctx, snap.ID, mail, to, restorer.Options{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(to, "mail.pst")); string(b) != "last week's mail" {
		t.Errorf("restored %q; want last week's copy", b)
	}
}

// heldSource blocks the reading of one file until released, as a large file being read
// keeps a backup running.
type heldSource struct {
	archiver.OS
	held    string
	reached chan struct{}
	release chan struct{}
}

func (h heldSource) Open(p string) (io.ReadCloser, error) {
	if p == h.held {
		close(h.reached)
		<-h.release
	}
	return h.OS.Open(p)
}

// TestOneBackupAtATime: a second backup of a PC (the tray's "Back up now" while the
// nightly one runs) is refused, saying one runs: by the PC itself when both run there
// with its settings, else by the server; one that waits for it says so once, and runs
// when the first has ended.
func TestOneBackupAtATime(t *testing.T) {
	for _, where := range []string{"server", "pc"} {
		t.Run(where, func(t *testing.T) { oneBackupAtATime(t, where == "pc") })
	}
}

func oneBackupAtATime(t *testing.T, withSettings bool) {
	ctx := context.Background()
	s, c := annsPC(t, "laptop")
	if withSettings {
		path := filepath.Join(t.TempDir(), "connector.json")
		if err := join(t, s, "ann", "laptop2").Save(path); err != nil {
			t.Fatal(err)
		}
		cfg, err := connector.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if c, err = backupclient.New(cfg); err != nil {
			t.Fatal(err)
		}
	}
	home := filepath.Join(t.TempDir(), "ann")
	os.MkdirAll(home, 0o755)
	big := filepath.Join(home, "video.mp4")
	os.WriteFile(big, random(3, 100_000), 0o644)
	src := heldSource{held: big, reached: make(chan struct{}), release: make(chan struct{})}
	first := make(chan error, 1)
	go func() {
		_, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}, Source: src})
		first <- err
	}()
	<-src.reached
	_, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}})
	says := "running already (started" // the server, naming when the first began
	if withSettings {
		says = "another program on this PC is backing it up"
	}
	if !errors.Is(err, backupclient.ErrRunning) || !strings.Contains(err.Error(), says) {
		t.Fatalf("a second backup while one runs: %v; want it refused, saying %q", err, says)
	}
	waited := make(chan string, 10)
	second := make(chan error, 1)
	go func() {
		_, err := c.Backup(ctx, backupclient.Options{Paths: []string{home}, Waiting: func(why string) { waited <- why },
			WaitEvery: 50 * time.Millisecond})
		second <- err
	}()
	if why := <-waited; !strings.Contains(why, strings.TrimSuffix(says, " (started")) {
		t.Errorf("the waiting backup was told %q", why)
	}
	close(src.release)
	if err := <-first; err != nil {
		t.Fatalf("the first backup: %v", err)
	}
	if err := <-second; err != nil {
		t.Fatalf("the backup that waited: %v", err)
	}
	if len(waited) != 0 {
		t.Errorf("the waiting backup was told %d more times", len(waited))
	}
	snaps, err := c.Snapshots(ctx)
	if err != nil || len(snaps) != 2 {
		t.Errorf("%d backups, %v; want both", len(snaps), err)
	}
}
