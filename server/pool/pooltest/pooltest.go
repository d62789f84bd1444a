// Package pooltest builds real pools for tests: real drive folders, a real SQLite
// catalog, each drive behind a drivetest.Faulty so a test can make it fail.
package pooltest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/drivetest"
)

// CheckEvery is how often a test pool checks its drives.
const CheckEvery = 50 * time.Millisecond

// Env is a pool with its folders. Reopen it to simulate a restart.
type Env struct {
	T       testing.TB
	Dir     string
	Catalog string // path of the catalog database
	Drives  []string
	Pool    *pool.Pool
	Cat     *catalog.Catalog
	// Tune edits the options before every open.
	Tune func(*pool.Options)
	// AdoptLater leaves the files placed on the drives by hand to Run, as a server does;
	// otherwise Open adopts them before it returns.
	AdoptLater bool

	log    *testLog
	mu     sync.Mutex
	faulty map[string]*drivetest.Faulty
	stop   context.CancelFunc
	done   chan struct{}
}

// New makes a pool of n empty drives, with fast checks and no reserve, and closes it at
// the end of the test.
func New(t testing.TB, n int, tune ...func(*pool.Options)) *Env {
	t.Helper()
	e := &Env{T: t, Dir: t.TempDir(), log: &testLog{t: t}}
	t.Cleanup(e.log.end) // the last cleanup: after the pool has closed
	e.Catalog = filepath.Join(e.Dir, "state", "catalog.db")
	if err := os.MkdirAll(filepath.Dir(e.Catalog), 0o755); err != nil {
		t.Fatal(err)
	}
	if len(tune) > 0 {
		e.Tune = tune[0]
	}
	e.Open()
	for range n {
		e.AddDrive()
	}
	t.Cleanup(e.Close)
	return e
}

// Options are the options the next Open uses.
func (e *Env) Options() pool.Options {
	opt := pool.Options{
		Logger:       slog.New(slog.NewTextHandler(io.Discard, nil)),
		DriveHints:   e.Drives,
		Reserve:      1, // tests share one filesystem; a 1 GiB reserve could refuse at random
		CheckEvery:   CheckEvery,
		DriveTimeout: 2 * time.Second,
		RepairEvery:  time.Hour,
		OpenDrive: func(ctx context.Context, path string) (drive.Drive, error) {
			d, err := drive.Open(ctx, path)
			if err != nil {
				return nil, err
			}
			f := drivetest.NewFaulty(d)
			e.mu.Lock()
			e.faulty[path] = f
			e.mu.Unlock()
			return f, nil
		},
	}
	if e.log != nil {
		opt.Logger = slog.New(slog.NewTextHandler(e.log, nil))
	}
	if os.Getenv("HEARTH_TEST_LOG") != "" {
		opt.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if e.Tune != nil {
		e.Tune(&opt)
	}
	return opt
}

// Open opens the catalog and the pool.
func (e *Env) Open() {
	e.T.Helper()
	ctx := context.Background()
	e.faulty = map[string]*drivetest.Faulty{}
	c, err := catalog.Open(ctx, e.Catalog)
	if err != nil {
		e.T.Fatal(err)
	}
	opt := e.Options()
	opt.Catalog = c
	p, err := pool.Open(ctx, opt)
	if err != nil {
		c.Close()
		e.T.Fatalf("open pool: %v", err)
	}
	e.Cat, e.Pool = c, p
	if !e.AdoptLater {
		// As the pool did before it served during the adoption: tests look at the index
		// right after opening.
		if err := p.AdoptHandPlaced(ctx); err != nil {
			e.T.Fatalf("adopt files placed by hand: %v", err)
		}
	}
}

// Close stops background work and closes the pool cleanly.
func (e *Env) Close() {
	if e.Pool == nil {
		return
	}
	e.StopRun()
	e.Pool.Close(context.Background())
	e.Cat.Close()
	e.Pool, e.Cat = nil, nil
}

// Crash drops the pool without a clean shutdown, as a killed process would: the kernel
// closes its files, which releases its drives' locks.
func (e *Env) Crash() {
	e.StopRun()
	e.Cat.Close()
	e.mu.Lock()
	for _, f := range e.faulty {
		f.Unwrap().Close()
	}
	e.mu.Unlock()
	e.Pool, e.Cat = nil, nil
}

// Drive returns the open drive at path, as the pool has it (without faults), for tests
// that look at or change a drive behind the pool's back. A second Open of the drive
// would fail: the pool holds its lock.
func (e *Env) Drive(path string) drive.Drive {
	e.T.Helper()
	f := e.Faulty(path)
	if f == nil {
		e.T.Fatalf("no open drive at %s", path)
	}
	return f.Unwrap()
}

// Reopen closes cleanly and opens again.
func (e *Env) Reopen() {
	e.T.Helper()
	e.Close()
	e.Open()
}

// Run starts the pool's background work until StopRun or the end of the test.
func (e *Env) Run() {
	ctx, cancel := context.WithCancel(context.Background())
	e.stop, e.done = cancel, make(chan struct{})
	go func() {
		defer close(e.done)
		e.Pool.Run(ctx)
	}()
}

// StopRun stops the background work and waits for it.
func (e *Env) StopRun() {
	if e.stop != nil {
		e.stop()
		<-e.done
		e.stop = nil
	}
}

// AddDrive makes a new folder and adds it as a drive.
func (e *Env) AddDrive() string {
	e.T.Helper()
	path := filepath.Join(e.Dir, "drive"+string(rune('A'+len(e.Drives))))
	if err := os.Mkdir(path, 0o755); err != nil {
		e.T.Fatal(err)
	}
	if _, err := e.Pool.AddDrive(context.Background(), path, ""); err != nil {
		e.T.Fatalf("add drive: %v", err)
	}
	e.Drives = append(e.Drives, path)
	return path
}

// Faulty returns the fault wrapper of the drive at path in the current open.
func (e *Env) Faulty(path string) *drivetest.Faulty {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.faulty[path]
}

// Share creates a share with the given number of copies.
func (e *Env) Share(name string, copies int) {
	e.T.Helper()
	if _, err := e.Pool.CreateShare(context.Background(), name, copies, ""); err != nil {
		e.T.Fatalf("create share: %v", err)
	}
}

// Put writes a file and fails the test on error.
func (e *Env) Put(path string, data []byte) pool.FileInfo {
	e.T.Helper()
	fi, err := e.Pool.WriteFile(context.Background(), path, bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data))})
	if err != nil {
		e.T.Fatalf("write %s: %v", path, err)
	}
	return fi
}

// Get reads a file and fails the test on error.
func (e *Env) Get(path string) []byte {
	e.T.Helper()
	f, err := e.Pool.Open(context.Background(), path)
	if err != nil {
		e.T.Fatalf("open %s: %v", path, err)
	}
	defer f.Close()
	b, err := io.ReadAll(f)
	if err != nil {
		e.T.Fatalf("read %s: %v", path, err)
	}
	return b
}

// Mkdir makes a folder and fails the test on error.
func (e *Env) Mkdir(path string) {
	e.T.Helper()
	if _, err := e.Pool.Mkdir(context.Background(), path, time.Time{}); err != nil {
		e.T.Fatalf("mkdir %s: %v", path, err)
	}
}

// OnDisk is the path of a file's copy on the drive at root.
func OnDisk(root, path string) string {
	return filepath.Join(root, "Shares", filepath.FromSlash(path))
}

// FlipByte changes one byte of the file at path in place, as bit rot does, keeping its
// modification time.
func FlipByte(t testing.TB, path string, at int64) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, at); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x40
	if _, err := f.WriteAt(b, at); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, st.ModTime(), st.ModTime())
}

// DriveInfo describes the drive at path, as the pool does.
func (e *Env) DriveInfo(path string) pool.DriveInfo {
	e.T.Helper()
	ds, err := e.Pool.Drives(context.Background())
	if err != nil {
		e.T.Fatal(err)
	}
	for _, d := range ds {
		if d.Path == path {
			return d
		}
	}
	e.T.Fatalf("no drive at %s", path)
	return pool.DriveInfo{}
}

// Holders lists the drives (by index) that hold a plain file at path.
func (e *Env) Holders(path string) []int {
	var out []int
	for i, d := range e.Drives {
		if st, err := os.Lstat(OnDisk(d, path)); err == nil && st.Mode().IsRegular() {
			out = append(out, i)
		}
	}
	return out
}

// Eventually polls cond until it holds or the deadline passes.
func Eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// DriveState returns the state of the drive at path ("" when the pool has none there).
func (e *Env) DriveState(path string) pool.State {
	ds, err := e.Pool.Drives(context.Background())
	if err != nil {
		e.T.Fatal(err)
	}
	for _, d := range ds {
		if d.Path == path {
			return d.State
		}
	}
	return ""
}

// testLog passes the pool's log to the test's, which shows it when the test fails. It
// is quiet once the test has ended, when a goroutine of the pool may still speak.
type testLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
	text strings.Builder // what was logged, for tests of the log itself
}

func (l *testLog) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(strings.TrimSuffix(string(b), "\n"))
	}
	if l.text.Len() < 4<<20 {
		l.text.Write(b)
	}
	return len(b), nil
}

// Logged is what the pool has logged so far in this test.
func (e *Env) Logged() string {
	e.log.mu.Lock()
	defer e.log.mu.Unlock()
	return e.log.text.String()
}

func (l *testLog) end() {
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
}
