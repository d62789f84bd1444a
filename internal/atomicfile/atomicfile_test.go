package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteReplaces(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := Write(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	st, _ := os.Stat(path)
	if string(b) != "two" || st.Mode().Perm() != 0o600 {
		t.Errorf("%q, mode %v", b, st.Mode())
	}
	when := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	if err := Copy(path, strings.NewReader("three"), 0o644, when); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); !st.ModTime().Equal(when) || st.Mode().Perm() != 0o644 {
		t.Errorf("mtime %v mode %v", st.ModTime(), st.Mode())
	}
}

// A reader that fails halfway leaves the old file whole and no temporary file behind.
func TestFailedCopyKeepsOld(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	Write(path, []byte("old"), 0o600)
	broken := io.MultiReader(strings.NewReader("new but cut"), &failing{})
	if err := Copy(path, broken, 0o600, time.Time{}); err == nil {
		t.Fatal("a failed copy reported success")
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("the file is now %q", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left behind: %v", ents)
	}
}

type failing struct{}

func (*failing) Read([]byte) (int, error) { return 0, errors.New("connection lost") }
