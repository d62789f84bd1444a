package pool_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
	"golang.org/x/sys/unix"
)

const rebuildEnv = "HEARTH_REBUILD_CHILD"

// rebuildChild rebuilds the catalog at REBUILD_CATALOG from the drives REBUILD_DRIVES
// names, until the parent kills it.
func rebuildChild() {
	ctx := context.Background()
	c, err := catalog.Open(ctx, os.Getenv("REBUILD_CATALOG"))
	must(err)
	p, err := pool.Open(ctx, pool.Options{Catalog: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DriveHints: strings.Split(os.Getenv("REBUILD_DRIVES"), ":"), Reserve: 1})
	must(err)
	must(p.Close(ctx))
	must(c.Close())
}

// cloneStamped copies the folder from (a pool folder on a drive) to to, with the stamps
// and times, as cp -a does: the copies carry their stamps, as pool files do.
func cloneStamped(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.Walk(from, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		dst := filepath.Join(to, strings.TrimPrefix(p, from))
		if fi.IsDir() {
			err = os.MkdirAll(dst, 0o755)
		} else {
			var b []byte
			if b, err = os.ReadFile(p); err == nil {
				err = os.WriteFile(dst, b, 0o644)
			}
		}
		if err != nil {
			return err
		}
		buf := make([]byte, 256)
		n, err := unix.Lgetxattr(p, "user.hearth", buf)
		if err != nil {
			return err
		}
		if err := unix.Lsetxattr(dst, "user.hearth", buf[:n], 0); err != nil {
			return err
		}
		return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// midLoad says whether the catalog at path is being bulk loaded: entries are in, and
// the search index's triggers are not back yet (they return with the load's last
// transaction).
func midLoad(path string, atLeast int) bool {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return false
	}
	defer db.Close()
	var entries, triggers int
	err = db.QueryRow(`SELECT (SELECT count(*) FROM entries),
		(SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = 'names_insert')`).Scan(&entries, &triggers)
	return err == nil && entries >= atLeast && triggers == 0
}

// A rebuild of the index killed in the middle of its bulk load (entries in, the search
// index, the folder index and the counters not built) restarts cleanly: the next open
// builds what is missing, reconciles the drives (the pool was not shut down cleanly) and
// has exactly the pool of a rebuild that ran to its end, search included.
func TestRebuildKilledMidLoadRestarts(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 2)
	e.Share("Docs", 2)
	e.Share("Media", 1)
	e.Mkdir("Docs/t")
	for i := range 10 {
		e.Put(fmt.Sprintf("Docs/t/f%d.txt", i), []byte(fmt.Sprint("file ", i)))
	}
	e.Put("Media/film.mkv", []byte("film"))
	e.Close()
	for _, d := range e.Drives {
		for i := range 300 {
			cloneStamped(t, pooltest.OnDisk(d, "Docs/t"), pooltest.OnDisk(d, fmt.Sprintf("Docs/t%03d", i)))
		}
	}
	removeCatalog(t, e)
	e.Open() // a rebuild that runs to its end
	want := snapshot(t, e)
	e.Close()

	killed := 0
	for round, atLeast := range []int{1, 1500, 3000} {
		removeCatalog(t, e)
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), rebuildEnv+"=1", "REBUILD_CATALOG="+e.Catalog, "REBUILD_DRIVES="+strings.Join(e.Drives, ":"))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		var exited bool
		for !exited {
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("round %d: the rebuild failed: %v", round, err)
				}
				exited = true
				t.Logf("round %d: the rebuild finished before it was seen loading %d entries", round, atLeast)
				continue
			default:
			}
			if midLoad(e.Catalog, atLeast) {
				cmd.Process.Kill()
				<-done
				exited = true
				killed++
			}
		}
		e.Open()
		if d := diffSnap(want, snapshot(t, e)); d != "" {
			t.Errorf("round %d: the pool after a rebuild killed mid-load differs:\n%s", round, d)
		}
		if found, err := e.Pool.Find(ctx, "f7.txt", []string{"Docs"}, 1000); err != nil || len(found) != 301 {
			t.Errorf("round %d: a search found %d files (%v), want 301", round, len(found), err)
		}
		e.Close()
	}
	if killed == 0 {
		t.Fatal("no rebuild was seen in its bulk load to be killed there")
	}
	t.Logf("%d of 3 rebuilds killed in their bulk load", killed)
}
