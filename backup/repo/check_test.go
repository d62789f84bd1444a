package repo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/backup/storage/folder"
)

// Check finds nothing wrong in a sound repository; a pack damaged on the target is
// found by reading the data back (-read-data), and a pack gone by the structural
// check alone.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	st, _ := folder.New(root)
	r, _ := backupAndRestore(t, st, tree(t))
	rep, err := r.Check(ctx, true)
	if err != nil || len(rep.Problems) != 0 || rep.Snapshots != 1 || rep.Packs == 0 || rep.ReadBytes == 0 {
		t.Fatalf("a sound repository: %+v, %v", rep, err)
	}
	var packs []string
	storagetestList(t, st, "packs/", &packs)
	p := filepath.Join(root, filepath.FromSlash(packs[0]))
	data, _ := os.ReadFile(p)
	data[len(data)/2] ^= 0x10
	os.WriteFile(p, data, 0o644)
	fresh, err := Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := fresh.Check(ctx, false); err != nil || hasProblem(rep, "damaged") {
		t.Errorf("without reading the data the flipped bit is not to be seen: %+v, %v", rep, err)
	}
	rep, err = fresh.Check(ctx, true)
	if err != nil || !hasProblem(rep, "is damaged") {
		t.Errorf("-read-data over a damaged pack: %+v, %v", rep, err)
	}
	// A pack (and its index file) gone: the next open does not know its blobs, and the
	// structural check names what is missing.
	for _, n := range []string{packs[0], "index/" + strings.TrimPrefix(packs[0], "packs/")} {
		if err := st.Delete(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	fresh, err = Open(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := fresh.Check(ctx, false); err != nil || !hasProblem(rep, "missing") && !hasProblem(rep, "cannot be read") {
		t.Errorf("a pack gone: %+v, %v", rep, err)
	}
}

func hasProblem(rep CheckReport, words string) bool {
	for _, p := range rep.Problems {
		if strings.Contains(p, words) {
			return true
		}
	}
	return false
}
