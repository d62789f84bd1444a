package pool_test

import (
	"bytes"
	"context"
	"os"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drivetest"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// A drive that vanishes just as a write is acknowledged leaves the file with one copy on
// a working drive. It gets its second copy within seconds, not at the repairer's next
// timed pass (an hour in these tests; ten minutes by default).
func TestVanishAtCommitIsReduplicatedAtOnce(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	a, b, c := e.Drives[0], e.Drives[1], e.Drives[2]
	e.Faulty(c).SetFree(64 << 20) // the new file goes to A and B
	e.Run()
	e.Faulty(a).Hang(drivetest.OpCommit)
	data := randBytes(7, 300_000)
	const path = "Docs/photo.jpg"
	done := make(chan error, 1)
	go func() {
		_, err := e.Pool.WriteFile(context.Background(), path, bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))})
		done <- err
	}()
	pooltest.Eventually(t, 10*time.Second, "the write reaches its commit on A and is in place on B", func() bool {
		_, err := os.Stat(pooltest.OnDisk(b, path))
		return e.Faulty(a).Hung(drivetest.OpCommit) == 1 && err == nil
	})
	if err := os.Rename(b, b+".pulled"); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 10*time.Second, "B is seen missing", func() bool { return e.DriveState(b) == pool.StateMissing })
	time.Sleep(100 * time.Millisecond) // the repair pass the loss woke finds the file still being written
	e.Faulty(a).Heal()
	if err := <-done; err != nil {
		t.Fatalf("write: %v", err)
	}
	acked := time.Now()
	pooltest.Eventually(t, 5*time.Second, "the file has two copies on working drives again", func() bool {
		fi, err := e.Pool.Stat(context.Background(), path)
		return err == nil && fi.Copies == 2
	})
	t.Logf("second copy made %v after the write was acknowledged", time.Since(acked).Round(time.Millisecond))
	for _, d := range []string{a, c} {
		if raw, err := os.ReadFile(pooltest.OnDisk(d, path)); err != nil || !bytes.Equal(raw, data) {
			t.Errorf("the copy on %s is not the file: %v", d, err)
		}
	}
}

// A file left short of copies while someone was rewriting it (the repairer passes such a
// file by) gets its copy when the writer gives up, not at the next timed pass.
func TestAbandonedRewriteWakesTheRepairer(t *testing.T) {
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	b, c := e.Drives[1], e.Drives[2]
	e.Faulty(c).SetFree(64 << 20)
	const path = "Docs/letter.txt"
	e.Put(path, []byte("Dear Grandma"))
	e.Run()
	w, err := e.Pool.Create(context.Background(), path, pool.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Dear"))
	if err := os.Rename(b, b+".pulled"); err != nil {
		t.Fatal(err)
	}
	pooltest.Eventually(t, 10*time.Second, "B is seen missing", func() bool { return e.DriveState(b) == pool.StateMissing })
	time.Sleep(100 * time.Millisecond) // the repair pass the loss woke passes the file by
	w.Abort()
	pooltest.Eventually(t, 5*time.Second, "the file has two copies on working drives again", func() bool {
		fi, err := e.Pool.Stat(context.Background(), path)
		return err == nil && fi.Copies == 2
	})
	if got := string(e.Get(path)); got != "Dear Grandma" {
		t.Errorf("read %q", got)
	}
}
