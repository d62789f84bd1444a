package restorer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/backup"
)

// backupOf is a backup holding a.txt ("from the backup"), new.txt and a folder docs with
// b.txt.
func backupOf(t *testing.T) (blobs, backup.ID) {
	b := blobs{}
	file := func(name, text string) backup.Node {
		id := backup.Hash([]byte(text))
		b[id] = []byte(text)
		n := node(name, backup.File)
		n.Size, n.Content = int64(len(text)), []backup.Chunk{{ID: id, Size: uint32(len(text))}}
		return n
	}
	sub := b.tree(t, file("b.txt", "b from the backup"))
	d := node("docs", backup.Dir)
	d.Mode = 0o755 | os.ModeDir
	d.Subtree = &sub
	return b, b.tree(t, file("a.txt", "from the backup"), file("new.txt", "new"), d)
}

// A restore never replaces what is there unless asked: without a decision it writes
// nothing and says how many files are in the way; each choice does what it says.
func TestRestoreMeetsWhatIsThere(t *testing.T) {
	read := func(p string) string { b, _ := os.ReadFile(p); return string(b) }
	for _, tc := range []struct {
		name    string
		choice  Choice // 0: no decision
		want    map[string]string
		refused bool
	}{
		{"no decision: nothing restored", 0, map[string]string{"a.txt": "mine", "new.txt": "", "docs": "my file"}, true},
		{"replace", Replace, map[string]string{"a.txt": "from the backup", "new.txt": "new", "docs/b.txt": "b from the backup"}, false},
		{"keep both", KeepBoth, map[string]string{"a.txt": "mine", "a (restored).txt": "from the backup", "new.txt": "new",
			"docs": "my file", "docs (restored)/b.txt": "b from the backup"}, false},
		{"skip", Skip, map[string]string{"a.txt": "mine", "new.txt": "new", "docs": "my file", "docs (restored)/b.txt": ""}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, root := backupOf(t)
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "a.txt"), []byte("mine"), 0o644)
			os.WriteFile(filepath.Join(dir, "docs"), []byte("my file"), 0o644) // a file where the backup has a folder
			n, examples, err := Conflicts(context.Background(), b, root, "", dir)
			if err != nil || n != 2 || len(examples) != 2 {
				t.Fatalf("conflicts: %d %v %v", n, examples, err)
			}
			var asked []string
			var opt Options
			if tc.choice != 0 {
				opt.Conflict = func(p string) Choice { asked = append(asked, filepath.Base(p)); return tc.choice }
			}
			st, err := Restore(context.Background(), b, root, "", dir, opt)
			if re, ok := errors.AsType[*ReplaceError](err); tc.refused != ok || (ok && re.Count != 2) {
				t.Fatalf("restore: %v", err)
			}
			if !tc.refused && len(asked) != 2 {
				t.Errorf("asked about %v, want a.txt and docs", asked)
			}
			for name, want := range tc.want {
				if got := read(filepath.Join(dir, name)); got != want {
					t.Errorf("%s: %q, want %q", name, got, want)
				}
			}
			if tc.choice == KeepBoth && (st.Kept != 2 || st.Files != 3) || tc.choice == Skip && st.Skipped != 2 {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A folder where the backup has a file is never emptied for it, even when asked to
// replace: the file is restored beside it.
func TestReplaceNeverEmptiesAFolder(t *testing.T) {
	b, root := backupOf(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "a.txt", "inside"), 0o755)
	os.WriteFile(filepath.Join(dir, "a.txt", "inside", "keep.txt"), []byte("keep"), 0o644)
	if _, err := Restore(context.Background(), b, root, "", dir, Options{Conflict: func(string) Choice { return Replace }}); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "a.txt", "inside", "keep.txt")); string(got) != "keep" {
		t.Errorf("the folder's file: %q", got)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "a (restored).txt")); string(got) != "from the backup" {
		t.Errorf("the backup's file beside it: %q", got)
	}
}
