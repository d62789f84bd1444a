package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/words"
	"github.com/hearth-home/hearth/internal/plainwords"
	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// joinedHome joins this PC to s through hearth, as mum, with its configuration in a file
// of its own, and makes a home folder to back up holding a letter and a photo of photo
// bytes that do not compress.
func joinedHome(t *testing.T, s *apptest.Server, photo int) (config, home string) {
	t.Helper()
	s.AddUser("mum", "correct horse", false)
	config = filepath.Join(t.TempDir(), "connector.json")
	t.Setenv("HEARTH_CONNECTOR_CONFIG", config)
	if out, code := hearth(t, "yes\nmum\ncorrect horse\n", "join", "-name", "Laptop", s.URL); code != 0 {
		t.Fatalf("join: %s", out)
	}
	home = t.TempDir()
	big := make([]byte, photo)
	rand.Read(big)
	os.WriteFile(filepath.Join(home, "letter.txt"), []byte("Dear Grandma"), 0o644)
	os.WriteFile(filepath.Join(home, "photo.bin"), big, 0o644)
	return config, home
}

// plainSays fails the test unless out, all the person read, is plain and says want.
func plainSays(t *testing.T, what, out, want string) {
	t.Helper()
	if found := plainwords.Find(out); len(found) > 0 {
		t.Errorf("%s: the person reads %q, which has %q", what, out, found)
	}
	if !strings.Contains(out, want) {
		t.Errorf("%s: the person reads %q, not %q", what, out, want)
	} else {
		t.Logf("%s: %q", what, out)
	}
}

// TestRestoreIntoAFullDisk: a restore into a folder on a real disk too small for it (a
// tmpfs of 256 KiB, for a photo of 1 MiB) says the drive is full in words, and leaves no
// part of the photo under its name, nor a temporary file.
func TestRestoreIntoAFullDisk(t *testing.T) {
	disk := testenv.Tmpfs(t, "size=256k", false)
	s := apptest.Start(t)
	_, home := joinedHome(t, s, 1<<20)
	if out, code := hearth(t, "", "backup", "-include", home); code != 0 {
		t.Fatalf("backup: %s", out)
	}
	out, code := hearth(t, "", "restore", "-to", filepath.Join(disk, "Restored"), "latest")
	if code == 0 {
		t.Fatalf("a restore of 1 MiB into 256 KiB succeeded: %s", out)
	}
	plainSays(t, "a restore into a full disk", out, words.Full)
	noPartialFile(t, disk, "photo.bin")
}

// noPartialFile fails the test when anything under dir is named name (a file restored
// half way under its own name) or is a restore's temporary file.
func noPartialFile(t *testing.T, dir, name string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && (d.Name() == name || strings.HasPrefix(d.Name(), ".hearth-restore-")) {
			info, _ := d.Info()
			t.Errorf("the full disk holds %s (%d bytes)", p, info.Size())
		}
		return nil
	})
}

// TestBackupIntoAFullServer: the server's only drive (a tmpfs of 40 MiB) fills during a
// backup of 64 MiB (packs are up to 16 MiB, so the first ones fit); the server answers
// 507 with a sentence, which hearth says as it is.
func TestBackupIntoAFullServer(t *testing.T) {
	ctx := context.Background()
	s := apptest.StartOnDrive(t, testenv.Tmpfs(t, "size=40m", false))
	config, home := joinedHome(t, s, 64<<20)
	out, code := hearth(t, "", "backup", "-include", home)
	if code == 0 {
		t.Fatalf("a backup of 64 MiB onto a drive of 40 MiB succeeded: %s", out)
	}
	// Some of the backup landed before the drive was full: it filled during the backup.
	packs := 0
	filepath.WalkDir(filepath.Join(s.Drive, "Shares", "Backups", "packs"), func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			packs++
		}
		return nil
	})
	if packs == 0 {
		t.Errorf("no part of the backup reached the drive: it was full before the backup began")
	}
	// What the server answered, read by the PC's own client.
	cfg, err := connector.Load(config)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Backup.Include = []string{home}
	_, err = backupclient.BackupWith(ctx, cfg, cfg.Backup, nil, nil)
	var se *backupclient.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusInsufficientStorage {
		t.Fatalf("the server answered %v, want 507 Insufficient Storage", err)
	}
	plainSays(t, "a backup into a full server", out, "hearth: "+se.Msg)
	if found := plainwords.Find(se.Msg); len(found) > 0 || !strings.Contains(se.Msg, "full") {
		t.Errorf("the server's 507 says %q", se.Msg)
	}
}

// nobody is the unprivileged user hearth runs as to meet a folder it may not write.
const nobody = 65534

// TestRestoreWhereItMayNotWrite runs hearth as an unprivileged user (the tests run as
// root, whom a folder's mode does not stop) restoring into a folder root owns, mode
// 0755: it meets a real "permission denied", and says so in words.
func TestRestoreWhereItMayNotWrite(t *testing.T) {
	testenv.NeedRoot(t)
	s := apptest.Start(t)
	config, home := joinedHome(t, s, 1<<10)
	if out, code := hearth(t, "", "backup", "-include", home); code != 0 {
		t.Fatalf("backup: %s", out)
	}
	// A folder everyone may read: the test's own are root's alone.
	base, err := os.MkdirTemp("", "hearth-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	os.Chmod(base, 0o755)
	bin := filepath.Join(base, "hearth")
	copyFile(t, os.Args[0], bin, 0o755) // the test binary is hearth with runHearth set
	own := filepath.Join(base, "home")
	os.Mkdir(own, 0o700)
	os.Chown(own, nobody, nobody)
	copyFile(t, config, filepath.Join(own, "connector.json"), 0o600)
	os.Chown(filepath.Join(own, "connector.json"), nobody, nobody)
	locked := filepath.Join(base, "locked")
	os.Mkdir(locked, 0o755)

	for _, to := range []string{locked, filepath.Join(locked, "Restored")} {
		cmd := exec.Command(bin, "restore", "-to", to, "latest")
		cmd.Dir = own
		cmd.Env = []string{runHearth + "=1", "HOME=" + own, "PATH=/usr/bin:/bin",
			"HEARTH_CONNECTOR_CONFIG=" + filepath.Join(own, "connector.json")}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody, Groups: []uint32{}}}
		b, err := cmd.CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("hearth as user %d restoring into %s: %v: %s", nobody, to, err, b)
		}
		plainSays(t, "a restore into "+to+", which hearth may not write", string(b), words.NoAccess)
	}
	if ents, _ := os.ReadDir(locked); len(ents) > 0 {
		t.Errorf("the folder hearth may not write holds %d entries", len(ents))
	}
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}
