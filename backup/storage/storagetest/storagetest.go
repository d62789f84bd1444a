// Package storagetest is the conformance suite every storage.Storage passes, in the
// spirit of restic's backend tests: what the repository relies on (put-if-absent, whole
// objects or none, listing by prefix, concurrent use) is checked the same way on the
// pool, a folder and S3.
package storagetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/hearth-home/hearth/backup/storage"
	"github.com/zeebo/blake3"
)

// Options tune the suite to a store.
type Options struct {
	// Large is the size of the large object; 0 means 20 MiB, more than the S3 store's
	// part size, so the large object goes up in parts.
	Large int64
}

// Run runs the suite. open returns an empty store; each subtest gets its own.
func Run(t *testing.T, open func(t *testing.T) storage.Storage, opt Options) {
	if opt.Large == 0 {
		opt.Large = 20 << 20
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, s storage.Storage)
	}{
		{"PutGetListDelete", testPutGetListDelete},
		{"PutTwice", testPutTwice},
		{"Missing", testMissing},
		{"Large", func(t *testing.T, s storage.Storage) { testLarge(t, s, opt.Large) }},
		{"ConcurrentPuts", testConcurrentPuts},
		{"ListByPrefix", testListByPrefix},
		{"FailedPutLeavesNothing", testFailedPut},
		{"BadNames", testBadNames},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// Data returns n reproducible random bytes for seed.
func Data(seed uint64, n int64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= len(b); i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := len(b) &^ 7; i < len(b); i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Name returns a content name for data as the repository makes them: its hash, under
// dir in a folder of the hash's first two digits.
func Name(dir string, data []byte) string {
	sum := blake3.Sum256(data)
	h := fmt.Sprintf("%x", sum)
	return dir + "/" + h[:2] + "/" + h
}

func put(t *testing.T, s storage.Storage, name string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), name, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
}

// Get returns an object's content, failing the test on error.
func Get(t *testing.T, s storage.Storage, name string) []byte {
	t.Helper()
	b, err := get(s, name)
	if err != nil {
		t.Fatalf("get %s: %v", name, err)
	}
	return b
}

func get(s storage.Storage, name string) ([]byte, error) {
	rc, err := s.Get(context.Background(), name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// List returns the objects under prefix, sorted by name.
func List(t *testing.T, s storage.Storage, prefix string) []storage.Object {
	t.Helper()
	var out []storage.Object
	if err := s.List(context.Background(), prefix, func(o storage.Object) error { out = append(out, o); return nil }); err != nil {
		t.Fatalf("list %q: %v", prefix, err)
	}
	slices.SortFunc(out, func(a, b storage.Object) int { return cmpString(a.Name, b.Name) })
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func names(objs []storage.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Name
	}
	return out
}

func testPutGetListDelete(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	if got := List(t, s, ""); len(got) != 0 {
		t.Fatalf("a new store lists %v", names(got))
	}
	want := map[string][]byte{}
	for i := range 5 {
		data := Data(uint64(i), int64(1000*i)) // the first is empty
		name := Name("packs", data)
		want[name] = data
		put(t, s, name, data)
	}
	snap := []byte(`{"version":1}`)
	want["snapshots/one"] = snap
	put(t, s, "snapshots/one", snap)
	for name, data := range want {
		if got := Get(t, s, name); !bytes.Equal(got, data) {
			t.Errorf("%s: got %d bytes, want %d", name, len(got), len(data))
		}
	}
	listed := List(t, s, "")
	if len(listed) != len(want) {
		t.Fatalf("listed %v, want %d objects", names(listed), len(want))
	}
	for _, o := range listed {
		if data, ok := want[o.Name]; !ok || int64(len(data)) != o.Size {
			t.Errorf("listed %s of %d bytes: not what was put", o.Name, o.Size)
		}
	}
	for name := range want {
		if err := s.Delete(ctx, name); err != nil {
			t.Fatalf("delete %s: %v", name, err)
		}
		if _, err := get(s, name); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("get %s after delete: %v, want ErrNotFound", name, err)
		}
	}
	if got := List(t, s, ""); len(got) != 0 {
		t.Errorf("after deleting everything the store lists %v", names(got))
	}
}

func testPutTwice(t *testing.T, s storage.Storage) {
	first, second := []byte("the first content"), []byte("another content, longer")
	put(t, s, "snapshots/a", first)
	err := s.Put(context.Background(), "snapshots/a", bytes.NewReader(second), int64(len(second)))
	if !errors.Is(err, storage.ErrExists) {
		t.Fatalf("second put: %v, want ErrExists", err)
	}
	if got := Get(t, s, "snapshots/a"); !bytes.Equal(got, first) {
		t.Errorf("after the refused put the object holds %q, want %q", got, first)
	}
	// Once deleted, the name may be used again.
	if err := s.Delete(context.Background(), "snapshots/a"); err != nil {
		t.Fatal(err)
	}
	put(t, s, "snapshots/a", second)
	if got := Get(t, s, "snapshots/a"); !bytes.Equal(got, second) {
		t.Errorf("put after delete: holds %q", got)
	}
}

func testMissing(t *testing.T, s storage.Storage) {
	if _, err := get(s, "packs/00/missing"); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("get of a missing object: %v, want ErrNotFound", err)
	}
	if err := s.Delete(context.Background(), "packs/00/missing"); err != nil {
		t.Errorf("delete of a missing object: %v, want none", err)
	}
	if got := List(t, s, "packs/"); len(got) != 0 {
		t.Errorf("listing an empty prefix: %v", names(got))
	}
}

func testLarge(t *testing.T, s storage.Storage, size int64) {
	data := Data(42, size)
	name := Name("packs", data)
	put(t, s, name, data)
	rc, err := s.Get(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	h := blake3.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		t.Fatalf("read the large object: %v", err)
	}
	if n != size || !bytes.Equal(h.Sum(nil), hashOf(data)) {
		t.Errorf("the large object came back as %d bytes of other content (want %d)", n, size)
	}
	if got := List(t, s, "packs/"); len(got) != 1 || got[0].Size != size {
		t.Errorf("listed %v", got)
	}
}

func hashOf(b []byte) []byte { s := blake3.Sum256(b); return s[:] }

func testConcurrentPuts(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	const distinct, racers = 8, 6
	var wg sync.WaitGroup
	errs := make(chan error, distinct+racers)
	want := map[string][]byte{}
	for i := range distinct {
		data := Data(uint64(100+i), 300_000)
		name := Name("packs", data)
		want[name] = data
		wg.Go(func() {
			if err := s.Put(ctx, name, bytes.NewReader(data), int64(len(data))); err != nil {
				errs <- fmt.Errorf("put %s: %w", name, err)
			}
		})
	}
	// Racers put different content under one name: exactly one wins and its content
	// is what the store holds, whole.
	var mu sync.Mutex
	won := -1
	contents := make([][]byte, racers)
	for i := range racers {
		contents[i] = Data(uint64(200+i), 500_000)
		wg.Go(func() {
			err := s.Put(ctx, "snapshots/race", bytes.NewReader(contents[i]), int64(len(contents[i])))
			switch {
			case err == nil:
				mu.Lock()
				if won >= 0 {
					errs <- fmt.Errorf("racers %d and %d both stored snapshots/race", won, i)
				}
				won = i
				mu.Unlock()
			case !errors.Is(err, storage.ErrExists):
				errs <- fmt.Errorf("racer %d: %w, want ErrExists or success", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if won < 0 {
		t.Fatal("no racer stored snapshots/race")
	}
	if got := Get(t, s, "snapshots/race"); !bytes.Equal(got, contents[won]) {
		t.Errorf("snapshots/race holds %d bytes that are not the winner's", len(got))
	}
	for name, data := range want {
		if got := Get(t, s, name); !bytes.Equal(got, data) {
			t.Errorf("%s differs after concurrent puts", name)
		}
	}
}

func testListByPrefix(t *testing.T, s storage.Storage) {
	for _, n := range []string{"a/b1", "a/b2", "a/c/d", "ab/x", "b", "packs/0a/0a1", "packs/0b/0b1"} {
		put(t, s, n, []byte(n))
	}
	tests := []struct {
		prefix string
		want   []string
	}{
		{"", []string{"a/b1", "a/b2", "a/c/d", "ab/x", "b", "packs/0a/0a1", "packs/0b/0b1"}},
		{"a/", []string{"a/b1", "a/b2", "a/c/d"}},
		{"a", []string{"a/b1", "a/b2", "a/c/d", "ab/x"}},
		{"a/b", []string{"a/b1", "a/b2"}},
		{"packs/0a/", []string{"packs/0a/0a1"}},
		{"packs/", []string{"packs/0a/0a1", "packs/0b/0b1"}},
		{"none/", nil},
	}
	for _, tc := range tests {
		if got := names(List(t, s, tc.prefix)); !slices.Equal(got, tc.want) {
			t.Errorf("list %q = %v, want %v", tc.prefix, got, tc.want)
		}
	}
	// fn's error stops the listing and comes back.
	stop := errors.New("stop")
	calls := 0
	err := s.List(context.Background(), "", func(storage.Object) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("a listing fn that fails: %v after %d calls, want its error after 1", err, calls)
	}
}

// failing gives n bytes of data, then fails.
type failing struct {
	data []byte
	n    int
}

var errReader = errors.New("the reader broke")

func (f *failing) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errReader
	}
	k := copy(p, f.data[:min(len(p), f.n)])
	f.data, f.n = f.data[k:], f.n-k
	return k, nil
}

func testFailedPut(t *testing.T, s storage.Storage) {
	// Larger than the S3 store's part size in its tests: one part goes up before the failure.
	data := Data(7, 7<<20)
	name := Name("packs", data)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		what string
		ctx  context.Context
		r    io.Reader
	}{
		{"a reader that fails midway", context.Background(), &failing{data: data, n: 6 << 20}},
		{"a reader that ends early", context.Background(), bytes.NewReader(data[:len(data)/2])},
		{"a cancelled context", cancelled, bytes.NewReader(data)},
	}
	for _, tc := range tests {
		if err := s.Put(tc.ctx, name, tc.r, int64(len(data))); err == nil {
			t.Errorf("%s: the put succeeded", tc.what)
			continue
		}
		if got := List(t, s, ""); len(got) != 0 {
			t.Errorf("%s: the store lists %v", tc.what, names(got))
		}
		if _, err := get(s, name); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("%s: get after the failed put: %v, want ErrNotFound", tc.what, err)
		}
	}
	// The failed puts left no claim on the name.
	put(t, s, name, data)
	if got := Get(t, s, name); !bytes.Equal(got, data) {
		t.Error("the put after the failed ones stored other content")
	}
}

func testBadNames(t *testing.T, s storage.Storage) {
	ctx := context.Background()
	for _, name := range []string{"", "/abs", "a//b", "../up", "a/../b", ".hidden", "a/.tmp", "a/", "sp ace", "a\\b"} {
		if err := s.Put(ctx, name, bytes.NewReader(nil), 0); !errors.Is(err, storage.ErrBadName) {
			t.Errorf("put %q: %v, want ErrBadName", name, err)
		}
		if _, err := s.Get(ctx, name); !errors.Is(err, storage.ErrBadName) {
			t.Errorf("get %q: %v, want ErrBadName", name, err)
		}
		if err := s.Delete(ctx, name); !errors.Is(err, storage.ErrBadName) {
			t.Errorf("delete %q: %v, want ErrBadName", name, err)
		}
	}
	if err := s.List(ctx, "../", func(storage.Object) error { return nil }); !errors.Is(err, storage.ErrBadName) {
		t.Errorf("list \"../\": %v, want ErrBadName", err)
	}
}
