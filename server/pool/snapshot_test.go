package pool_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// snap is everything a person could see of a pool, as text lines.
type snap map[string]string

func snapshot(t *testing.T, e *pooltest.Env) snap {
	t.Helper()
	ctx := context.Background()
	s := snap{}
	shares, err := e.Pool.Shares(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, sh := range shares {
		s["share "+sh.Name] = fmt.Sprintf("copies=%d desc=%q files=%d bytes=%d", sh.Copies, sh.Description, sh.Files, sh.Bytes)
		walkSnap(t, e, sh.Name, s)
	}
	return s
}

func walkSnap(t *testing.T, e *pooltest.Env, dir string, s snap) {
	ctx := context.Background()
	list, err := e.Pool.List(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range list {
		if fi.Dir {
			s[fi.Path] = fmt.Sprintf("dir mtime=%d", fi.ModTime.UnixNano())
			walkSnap(t, e, fi.Path, s)
			continue
		}
		s[fi.Path] = fmt.Sprintf("file size=%d mtime=%d hash=%s copies=%d", fi.Size, fi.ModTime.UnixNano(), fi.Hash, fi.Copies)
		vs, _ := e.Pool.Versions(ctx, fi.Path)
		for _, v := range vs {
			s[fmt.Sprintf("version %s %d", v.Path, v.Gen)] = fmt.Sprintf("size=%d copies=%d", v.Size, v.Copies)
		}
	}
}

func diffSnap(a, b snap) string {
	var out []string
	for k, v := range a {
		if b[k] != v && !sameDirTime(v, b[k]) {
			out = append(out, fmt.Sprintf("  %s:\n    before %s\n    after  %s", k, v, b[k]))
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("  %s: new after: %s", k, v))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// sameDirTime: a folder's time moves whenever its contents change, on each drive a few
// moments apart, so two folder records match when their times are within a second.
func sameDirTime(a, b string) bool {
	var x, y int64
	if _, err := fmt.Sscanf(a, "dir mtime=%d", &x); err != nil {
		return false
	}
	if _, err := fmt.Sscanf(b, "dir mtime=%d", &y); err != nil {
		return false
	}
	return time.Duration(max(x-y, y-x)) < time.Second
}
