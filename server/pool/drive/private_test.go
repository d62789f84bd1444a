package drive_test

import (
	"context"
	"os"
	"testing"

	"github.com/hearth-home/hearth/server/pool/drive"
)

// A drive's folder is made the server's alone when it opens: a disk mounted 0755 (as
// mount points are) let any local account read every share's files (issue 17 item 7).
func TestOpenMakesTheDrivePrivate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := drive.Init(ctx, dir, "pool-1", "d1", "One"); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d, err := drive.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("the drive's folder is %v after Open, want 0700", fi.Mode().Perm())
	}
}
