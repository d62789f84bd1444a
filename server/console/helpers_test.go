package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/app"
	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/pool"
)

type poolDrive = pool.DriveInfo

// folderOf is the browse folder of a PC's backup (0 the oldest).
func folderOf(t *testing.T, s *apptest.Server, i int) string {
	t.Helper()
	snaps, err := s.App.Backups.Snapshots(context.Background(), "laptop")
	if err != nil || len(snaps) <= i {
		t.Fatalf("laptop's backups: %v, %v", snaps, err)
	}
	return backup.FolderName(snaps[i].Time)
}

// start runs a hearthd that sees a machine of the test's own: besides the system disk,
// one empty disk mounted at the returned folder, which the console offers to add.
func start(t *testing.T, edit ...func(*app.Options)) (*apptest.Server, string) {
	t.Helper()
	dir := t.TempDir()
	disk := filepath.Join(dir, "disk2")
	if err := os.Mkdir(disk, 0o755); err != nil {
		t.Fatal(err)
	}
	table := filepath.Join(dir, "mountinfo")
	s := apptest.Start(t, append([]func(*app.Options){func(o *app.Options) {
		o.MountTable, o.SysRoot = table, filepath.Join(dir, "no-sys")
		lines := fmt.Sprintf("1 0 8:1 / / rw - ext4 /dev/sda1 rw\n20 1 8:17 / %s rw - ext4 /dev/sdb1 rw\n21 1 8:33 / %s rw - ext4 /dev/sdc1 rw\n",
			disk, o.StateDir)
		if err := os.WriteFile(table, []byte(lines), 0o600); err != nil {
			t.Fatal(err)
		}
	}}, edit...)...)
	return s, disk
}

// signInRequest is the sign-in form's POST for mum, which answers with a session cookie.
func signInRequest(t testing.TB, s *apptest.Server) *http.Request {
	req, _ := http.NewRequest("POST", s.URL+"/signin", strings.NewReader(url.Values{"name": {"mum"}, "password": {pw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", s.URL)
	return req
}
