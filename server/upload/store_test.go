package upload_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
	"github.com/hearth-home/hearth/server/upload"
)

// staged is the upload's staging folder and id.
func (e *env) staged(path string) (dir, id string) {
	e.t.Helper()
	dirs := e.pool.Pool.StagingDirs("uploads")
	if len(dirs) != 1 {
		e.t.Fatalf("staging folders %v, want one", dirs)
	}
	return dirs[0], path[strings.LastIndex(path, "/")+1:]
}

// TestChunkDurableBeforeAck: when a PATCH is answered, its chunk is on the disk (synced),
// then its offset is recorded (the record synced, then its folder), once, and the staged
// data and the record both say the offset the answer acknowledged: for a chunk with a
// checksum, and for one without whose size is the checkpoint's (as the page sends them).
func TestChunkDurableBeforeAck(t *testing.T) {
	for _, checksum := range []bool{true, false} {
		t.Run(map[bool]string{true: "with a checksum", false: "without"}[checksum], func(t *testing.T) {
			testChunkDurableBeforeAck(t, checksum)
		})
	}
}

func testChunkDurableBeforeAck(t *testing.T, checksum bool) {
	const chunk = 3 << 20
	e := newEnv(t, 1, func(o *upload.Options) { o.Checkpoint = chunk })
	var mu sync.Mutex
	var syncs []string
	upload.OnSync(e.store, func(what string) { mu.Lock(); syncs = append(syncs, what); mu.Unlock() })
	c := e.as("ann")
	data := pattern(3*chunk + 5)
	p := c.create("Family", "a.bin", int64(len(data)))
	dir, id := e.staged(p)
	for off := int64(0); off < 3*chunk; off += chunk {
		mu.Lock()
		syncs = nil
		mu.Unlock()
		var a answer
		if checksum {
			a = c.patch(p, off, data[off:off+chunk])
		} else {
			a = c.do("PATCH", p, data[off:off+chunk], "Content-Type", "application/offset+octet-stream", "Upload-Offset", strconv.FormatInt(off, 10))
		}
		acked, _ := strconv.ParseInt(a.hdr.Get("Upload-Offset"), 10, 64)
		if a.status != http.StatusNoContent || acked != off+chunk {
			t.Fatalf("PATCH at %d: %d %s, offset %d", off, a.status, a.body, acked)
		}
		mu.Lock()
		got := slices.Clone(syncs)
		mu.Unlock()
		if want := []string{"data", "record", "folder"}; !slices.Equal(got, want) {
			t.Errorf("chunk at %d: synced %v before the answer, want %v", off, got, want)
		}
		if st, err := os.Stat(filepath.Join(dir, id+".part")); err != nil || st.Size() != acked {
			t.Errorf("chunk at %d: staged data %v (%v), want %d bytes", off, st, err, acked)
		}
		var rec struct{ Offset int64 }
		b, _ := os.ReadFile(filepath.Join(dir, id+".json"))
		if json.Unmarshal(b, &rec); rec.Offset != acked {
			t.Errorf("chunk at %d: the record says offset %d, want %d", off, rec.Offset, acked)
		}
	}
}

// cutBody sends n bytes of data and then fails, as a dropped connection does.
type cutBody struct {
	data []byte
	n    int
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.n <= 0 {
		return 0, errors.New("connection lost")
	}
	k := copy(p, b.data[:min(len(b.data), b.n)])
	b.data, b.n = b.data[k:], b.n-k
	return k, nil
}

// TestCutRequestResumes: one request for the whole file (as a browser sends by default)
// cut in the middle keeps what arrived, durable at checkpoints; the client asks for the
// offset and goes on from there, and the file arrives whole.
func TestCutRequestResumes(t *testing.T) {
	e := newEnv(t, 1, func(o *upload.Options) { o.Checkpoint = 256 << 10 })
	c := e.as("ann")
	data := pattern(4 << 20)
	p := c.create("Family", "cut.bin", int64(len(data)))
	req, _ := http.NewRequest("PATCH", e.srv.URL+p, &cutBody{data: data, n: 3 << 20})
	req.ContentLength = int64(len(data))
	req.Header.Set("Tus-Resumable", "1.0.0")
	req.Header.Set("Content-Type", "application/offset+octet-stream")
	req.Header.Set("Upload-Offset", "0")
	req.Header.Set("X-Test-User", "ann")
	if resp, err := e.srv.Client().Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the cut request was answered %d", resp.StatusCode)
	}
	var off int64
	pooltest.Eventually(t, 10*time.Second, "the cut request's data is kept", func() bool {
		off = c.offset(p)
		return off > 0
	})
	if off > 3<<20 {
		t.Fatalf("offset %d after %d bytes were sent", off, 3<<20)
	}
	c.send(p, data, 1<<20)
	if got := e.pool.Get("Family/cut.bin"); string(got) != string(data) {
		t.Fatalf("the file is %d bytes and differs from what was sent", len(got))
	}
}

// TestExpiry: an upload without progress for a day is no longer found, and the sweep
// removes its data; progress keeps it alive.
func TestExpiry(t *testing.T) {
	e := newEnv(t, 1, func(o *upload.Options) { o.SweepEvery = 20 * time.Millisecond })
	c := e.as("ann")
	data := pattern(10)
	p := c.create("Family", "slow.bin", 10)
	dir, id := e.staged(p)
	c.patch(p, 0, data[:4])
	e.advance(23 * time.Hour)
	if n, err := e.store.Sweep(context.Background()); n != 0 || err != nil || c.offset(p) != 4 {
		t.Fatalf("after 23 hours: swept %d (%v), offset %d; want the upload kept at 4", n, err, c.offset(p))
	}
	c.patch(p, 4, data[4:6]) // progress: a new day begins
	e.advance(23 * time.Hour)
	if got := c.offset(p); got != 6 {
		t.Fatalf("23 hours after progress: offset %d, want 6", got)
	}
	e.advance(2 * time.Hour)
	if got := c.offset(p); got != -404 {
		t.Fatalf("25 hours without progress: HEAD answered %d, want 404", -got)
	}
	if _, err := os.Stat(filepath.Join(dir, id+".part")); err != nil {
		t.Fatalf("the data went before the sweep: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- e.store.Run(ctx) }()
	pooltest.Eventually(t, 10*time.Second, "the sweep removes the expired upload", func() bool {
		left, _ := os.ReadDir(dir)
		return len(left) == 0
	})
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

// TestCommitDuplicated: the last byte commits the file through the pool's duplicated
// write (a copy on each of two drives, same bytes), with the client's time, into folders
// made for it; the staged data goes and the upload answers complete.
func TestCommitDuplicated(t *testing.T) {
	e := newEnv(t, 2)
	c := e.as("ann")
	data := pattern(3<<20 + 17)
	mtime := time.Date(2020, 5, 6, 12, 34, 56, 789e6, time.UTC)
	a := c.do("POST", "/api/v1/uploads", nil, "Upload-Length", strconv.Itoa(len(data)),
		"Upload-Metadata", meta("folder", "Family", "filename", "Trip/day 1/a.bin", "mtime", strconv.FormatInt(mtime.UnixMilli(), 10)))
	if a.status != http.StatusCreated {
		t.Fatalf("create: %d %s", a.status, a.body)
	}
	p := pathOf(t, a.hdr.Get("Location"))
	dir, id := e.staged(p)
	stagedData, err := os.Stat(filepath.Join(dir, id+".part"))
	if err != nil {
		t.Fatal(err)
	}
	c.send(p, data, 1<<20)
	fi, err := e.pool.Pool.Stat(context.Background(), "Family/Trip/day 1/a.bin")
	if err != nil || fi.Copies != 2 || !fi.ModTime.Equal(mtime) || fi.Size != int64(len(data)) {
		t.Fatalf("committed file: %+v, %v; want 2 copies of %d bytes at %v", fi, err, len(data), mtime)
	}
	if got := e.pool.Holders("Family/Trip/day 1/a.bin"); !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("copies on drives %v, want both", got)
	}
	// The copy on the staging drive is the staged data itself, not written a second time;
	// the other is a copy.
	adopted := 0
	for _, d := range e.pool.Drives {
		onDisk := pooltest.OnDisk(d, "Family/Trip/day 1/a.bin")
		if b, err := os.ReadFile(onDisk); err != nil || string(b) != string(data) {
			t.Fatalf("the copy on %s differs (%v)", d, err)
		}
		if st, err := os.Stat(onDisk); err == nil && os.SameFile(st, stagedData) {
			adopted++
			if !strings.HasPrefix(dir, d+"/") {
				t.Errorf("the staged data, on another drive, is the copy on %s", d)
			}
		}
	}
	if adopted != 1 {
		t.Errorf("%d copies are the staged data itself, want the one on its drive", adopted)
	}
	if _, err := os.Stat(filepath.Join(dir, id+".part")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the staged data is still there: %v", err)
	}
	if got := c.offset(p); got != int64(len(data)) {
		t.Errorf("after the commit HEAD says %d, want the whole %d", got, len(data))
	}
}

// TestStagedDataNeverWrittenShared: a commit links the staged data into the pool
// (pool.Adopt); if the server dies after that but before the upload is recorded done, the
// staged data is still the pool's file too. The client then sends its last chunk again:
// the staged data is copied to a file of its own before it is written, so what arrives
// never changes the pool's file (kept as the previous version), and the upload commits
// what was sent.
func TestStagedDataNeverWrittenShared(t *testing.T) {
	e := newEnv(t, 1)
	c := e.as("ann")
	data := pattern(3 << 20)
	p := c.create("Family", "again.bin", int64(len(data)))
	dir, id := e.staged(p)
	last := int64(2 << 20)
	c.send(p, data[:last], 1<<20)
	// As the cut-off commit left it: the last chunk written, the file in the pool.
	part := filepath.Join(dir, id+".part")
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(data[last:])
	f.Close()
	ctx := context.Background()
	first, err := e.pool.Pool.Adopt(ctx, "Family/again.bin", part, pool.WriteOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	resent := slices.Clone(data)
	copy(resent[last:], "sent again, otherwise")
	if a := c.patch(p, last, resent[last:]); a.status != http.StatusNoContent {
		t.Fatalf("the last chunk again: %d %s", a.status, a.body)
	}
	if got := e.pool.Get("Family/again.bin"); string(got) != string(resent) {
		t.Errorf("the committed file is not what was sent")
	}
	r, _, err := e.pool.Pool.OpenVersion(ctx, "Family/again.bin", first.Gen)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if got, err := io.ReadAll(r); err != nil || string(got) != string(data) {
		t.Errorf("the first commit's file changed when the staged data was written again (%v)", err)
	}
}

// TestOnlyTheOwner: an upload is its owner's: to anyone else (or nobody) there is no
// such upload, whatever the method. Beginning one needs full access to where the file
// goes, a place a file can be, and a share the family writes.
func TestOnlyTheOwner(t *testing.T) {
	e := newEnv(t, 1)
	e.pool.Put("Family/note.txt", []byte("x"))
	e.pool.Mkdir("Family/Photos")
	ann := e.as("ann")
	p := ann.create("Family", "mine.bin", 8)
	ann.patch(p, 0, []byte("1234"))
	for _, who := range []string{"bob", "carl", ""} {
		c := e.as(who)
		if got := c.offset(p); got != -404 {
			t.Errorf("HEAD as %q: %d, want 404", who, -got)
		}
		if a := c.patch(p, 4, []byte("5678")); a.status != 404 {
			t.Errorf("PATCH as %q: %d %s, want 404", who, a.status, a.body)
		}
		if a := c.do("DELETE", p, nil); a.status != 404 {
			t.Errorf("DELETE as %q: %d %s, want 404", who, a.status, a.body)
		}
	}
	if got := ann.offset(p); got != 4 {
		t.Fatalf("the owner's upload is at %d after the others tried, want 4", got)
	}
	for _, tc := range []struct {
		name, user, folder, file string
		want                     int
		code                     string
	}{
		{"read access only", "carl", "Family", "x.bin", 403, "forbidden"},
		{"the backups' share", "ann", "Backups", "x.bin", 403, "forbidden"},
		{"no such share", "ann", "Nope", "x.bin", 404, "no_share"},
		{"out of the share", "ann", "Family", "../Other/x.bin", 400, "bad_path"},
		{"no name", "ann", "Family", "", 400, "bad_upload"},
		{"a folder there", "ann", "Family", "Photos", 409, "is_folder"},
		{"a file where a folder must be", "ann", "Family", "note.txt/x.bin", 409, "not_folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := e.as(tc.user).do("POST", "/api/v1/uploads", nil, "Upload-Length", "3", "Upload-Metadata", meta("folder", tc.folder, "filename", tc.file))
			var p struct{ Error, Code string }
			json.Unmarshal([]byte(a.body), &p)
			if a.status != tc.want || p.Code != tc.code || p.Error == "" || a.hdr.Get("Content-Type") != "application/json" {
				t.Errorf("%d %s %q, want %d %s in the API's error shape", a.status, a.hdr.Get("Content-Type"), a.body, tc.want, tc.code)
			}
		})
	}
}
