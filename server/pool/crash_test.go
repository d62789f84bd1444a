package pool_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/pooltest"
	"github.com/zeebo/blake3"
)

const crashEnv = "HEARTH_CRASH_CHILD"

// crashChild changes the pool until it is killed. Before each operation it logs "B op
// args" and after the pool acknowledged it "A", both fsynced, so the parent knows
// exactly what was acknowledged and what was in flight.
func crashChild() {
	ctx := context.Background()
	seed, _ := strconv.ParseUint(os.Getenv("CRASH_SEED"), 10, 64)
	rng := rand.New(rand.NewPCG(seed, 7))
	c, err := catalog.Open(ctx, os.Getenv("CRASH_CATALOG"))
	must(err)
	p, err := pool.Open(ctx, pool.Options{Catalog: c, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		DriveHints: strings.Split(os.Getenv("CRASH_DRIVES"), ":"), Reserve: 1})
	must(err)
	log, err := os.OpenFile(os.Getenv("CRASH_LOG"), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	must(err)
	note := func(line string) {
		_, err := log.WriteString(line + "\n")
		must(err)
		must(log.Sync())
	}
	var staged string
	for i := 0; ; i++ {
		files := listFiles(ctx, p)
		switch op := rng.IntN(10); {
		case op < 6 || len(files) < 10:
			path := fmt.Sprintf("Docs/d%d/f%d-%d", rng.IntN(3), seed, i)
			if op < 2 && len(files) > 0 {
				path = files[rng.IntN(len(files))] // overwrite
			}
			size := rng.IntN(300 << 10)
			if rng.IntN(20) == 0 {
				size = 3 << 20
			}
			data := randBytes(rng.Uint64(), size)
			sum := blake3.Sum256(data)
			if os.Getenv("CRASH_ADOPT") == "" {
				note("B W " + path + " " + hex.EncodeToString(sum[:]))
				_, err = p.WriteFile(ctx, path, bytes.NewReader(data), pool.WriteOptions{Size: int64(size)})
				break
			}
			// As an upload commits: the content staged and synced first, then adopted.
			staged = stageFile(ctx, p, fmt.Sprintf("s%d-%d", seed, i), data)
			note("B W " + path + " " + hex.EncodeToString(sum[:]) + " " + staged)
			_, err = p.Adopt(ctx, path, staged, pool.WriteOptions{Size: int64(size)})
		case op < 8:
			path := files[rng.IntN(len(files))]
			note("B D " + path)
			err = p.Remove(ctx, path)
		default:
			from := files[rng.IntN(len(files))]
			to := fmt.Sprintf("Docs/d%d/r%d-%d", rng.IntN(3), seed, i)
			note("B R " + from + " " + to)
			err = p.Rename(ctx, from, to)
		}
		must(err)
		note("A")
		if staged != "" {
			must(os.Remove(staged))
			staged = ""
		}
	}
}

// stageFile writes data durably into the crash test's staging folder.
func stageFile(ctx context.Context, p *pool.Pool, name string, data []byte) string {
	dir, err := p.StagingDir(ctx, "crash", int64(len(data)))
	must(err)
	staged := filepath.Join(dir, name)
	f, err := os.Create(staged)
	must(err)
	_, err = f.Write(data)
	must(err)
	must(f.Sync())
	must(f.Close())
	d, err := os.Open(dir)
	must(err)
	must(d.Sync())
	must(d.Close())
	return staged
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		os.Exit(3)
	}
}

func listFiles(ctx context.Context, p *pool.Pool) []string {
	var out []string
	for d := range 3 {
		list, _ := p.List(ctx, fmt.Sprintf("Docs/d%d", d))
		for _, fi := range list {
			out = append(out, fi.Path)
		}
	}
	return out
}

// TestCrashKeepsEveryAcknowledgedFile kills a writing process at random moments, many
// times, and checks after each restart that every acknowledged file is intact, that no
// torn file is visible, and that the index matches the drives.
func TestCrashKeepsEveryAcknowledgedFile(t *testing.T) {
	rounds := 30
	if testing.Short() {
		rounds = 5
	}
	e := pooltest.New(t, 3)
	e.Share("Docs", 2)
	for d := range 3 {
		e.Mkdir(fmt.Sprintf("Docs/d%d", d))
	}
	e.Close()
	model := map[string]string{} // path -> hex hash of what the pool must hold
	rng := rand.New(rand.NewPCG(42, 42))
	logPath := filepath.Join(e.Dir, "acks.log")
	killedMidOp := 0
	for round := range rounds {
		os.Remove(logPath)
		runChild(t, e, logPath, uint64(round), time.Duration(100+rng.IntN(400))*time.Millisecond)
		acked, inflight := readAcks(t, logPath)
		if inflight != nil {
			t.Logf("round %d cut off %s %v", round, inflight.kind, inflight.args)
		}
		for _, op := range acked {
			op.apply(model)
		}
		e.Open()
		actual := poolFiles(t, e)
		if inflight != nil {
			killedMidOp++
			inflight.settle(t, model, actual)
		}
		compareModel(t, round, model, actual)
		checkIndexMatchesDrives(t, e)
		if t.Failed() {
			t.Fatalf("round %d failed", round)
		}
		e.Close()
	}
	t.Logf("%d rounds, %d kills in the middle of an operation, %d files at the end", rounds, killedMidOp, len(model))
}

func runChild(t *testing.T, e *pooltest.Env, logPath string, seed uint64, after time.Duration, env ...string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"=1", "CRASH_SEED="+strconv.FormatUint(seed, 10),
		"CRASH_CATALOG="+e.Catalog, "CRASH_DRIVES="+strings.Join(e.Drives, ":"), "CRASH_LOG="+logPath)
	cmd.Env = append(cmd.Env, env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err := <-exited:
		t.Fatalf("the child stopped by itself: %v\n%s", err, stderr.String())
	case <-time.After(after):
	}
	cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

type crashOp struct {
	kind string
	args []string
}

func readAcks(t *testing.T, path string) (acked []crashOp, inflight *crashOp) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil, nil // killed before the first operation
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		switch {
		case len(fields) == 1 && fields[0] == "A" && inflight != nil:
			acked = append(acked, *inflight)
			inflight = nil
		case len(fields) >= 3 && fields[0] == "B":
			inflight = &crashOp{kind: fields[1], args: fields[2:]}
		}
	}
	return acked, inflight
}

func (op crashOp) apply(model map[string]string) {
	switch op.kind {
	case "W":
		model[op.args[0]] = op.args[1]
	case "D":
		delete(model, op.args[0])
	case "R":
		model[op.args[1]] = model[op.args[0]]
		delete(model, op.args[0])
	}
}

// settle checks that an operation cut off by the kill either happened entirely or not at
// all, and brings the model to what happened.
func (op crashOp) settle(t *testing.T, model, actual map[string]string) {
	t.Helper()
	after := map[string]string{}
	for k, v := range model {
		after[k] = v
	}
	op.apply(after)
	paths := op.args[:1]
	if op.kind == "R" {
		paths = op.args[:2]
	}
	matches := func(m map[string]string) bool {
		for _, p := range paths {
			if m[p] != actual[p] {
				return false
			}
		}
		return true
	}
	switch {
	case matches(after):
		op.apply(model)
	case matches(model):
	default:
		t.Errorf("operation %s %v cut off by the kill left a mixed state: %v", op.kind, op.args,
			func() map[string]string {
				out := map[string]string{}
				for _, p := range paths {
					out[p] = actual[p]
				}
				return out
			}())
	}
}

// poolFiles reads every file of the pool through the pool and returns path -> hash of
// what was read; a file that does not read back whole fails the test (a torn file).
func poolFiles(t *testing.T, e *pooltest.Env) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	for d := range 3 {
		list, err := e.Pool.List(ctx, fmt.Sprintf("Docs/d%d", d))
		if err != nil {
			t.Fatal(err)
		}
		for _, fi := range list {
			f, err := e.Pool.Open(ctx, fi.Path)
			if err != nil {
				t.Fatalf("open %s: %v", fi.Path, err)
			}
			h := blake3.New()
			n, err := io.Copy(h, f)
			f.Close()
			sum := hex.EncodeToString(h.Sum(nil))
			if err != nil || n != fi.Size || sum != fi.Hash {
				t.Errorf("%s is torn: read %d of %d bytes, hash %s, index says %s (%v)", fi.Path, n, fi.Size, sum, fi.Hash, err)
			}
			out[fi.Path] = sum
		}
	}
	return out
}

func compareModel(t *testing.T, round int, model, actual map[string]string) {
	t.Helper()
	for p, h := range model {
		if actual[p] != h {
			t.Errorf("round %d: acknowledged %s should hold %.12s, holds %.12q", round, p, h, actual[p])
		}
	}
	for p := range actual {
		if _, ok := model[p]; !ok {
			t.Errorf("round %d: %s exists but was deleted or never acknowledged", round, p)
		}
	}
}

// checkIndexMatchesDrives compares every copy the index lists with every file on the
// drives, and checks that no leftover is in a temp area.
func checkIndexMatchesDrives(t *testing.T, e *pooltest.Env) {
	t.Helper()
	ctx := context.Background()
	ids := map[string]string{}
	drives, _ := e.Pool.Drives(ctx)
	for _, d := range drives {
		ids[d.ID] = d.Path
		if d.State != pool.StateActive {
			t.Errorf("drive %s is %s after restart", d.Label, d.State)
		}
	}
	index := map[string]bool{} // "drivepath|path"
	e.Cat.View(ctx, func(tx *catalog.Tx) error {
		files, err := tx.Files(ctx, "", "", 1<<30)
		for _, f := range files {
			for _, c := range f.Copies {
				index[ids[c]+"|"+f.Path] = true
			}
		}
		return err
	})
	onDisk := map[string]bool{}
	for _, root := range e.Drives {
		e.Drive(root).Walk(ctx, "", func(en drive.Entry) error {
			if en.Kind == drive.File {
				onDisk[root+"|"+en.Path] = true
			}
			return nil
		})
		if ents, _ := os.ReadDir(filepath.Join(root, ".hearth", "tmp")); len(ents) != 0 {
			t.Errorf("%d leftovers in the temp area of %s", len(ents), filepath.Base(root))
		}
	}
	for k := range index {
		if !onDisk[k] {
			t.Errorf("the index lists a copy the drive lacks: %s\n%s", k, explain(e, strings.SplitN(k, "|", 2)[1]))
		}
	}
	for k := range onDisk {
		if !index[k] {
			t.Errorf("a drive holds a copy the index does not list: %s", k)
		}
	}
}

// explain describes what the index and each drive hold for path, for failure messages.
func explain(e *pooltest.Env, path string) string {
	ctx := context.Background()
	var b strings.Builder
	e.Cat.View(ctx, func(tx *catalog.Tx) error {
		en, err := tx.Entry(ctx, path)
		fmt.Fprintf(&b, "  index: gen=%d copies=%v hash=%.8x err=%v\n", en.Gen, en.Copies, en.Hash, err)
		ts, _ := tx.Tombstones(ctx)
		for _, t := range ts {
			if strings.Contains(path, t.Path) || t.To == path {
				fmt.Fprintf(&b, "  tombstone: %+v\n", t)
			}
		}
		return nil
	})
	ds, _ := e.Pool.Drives(ctx)
	for _, d := range ds {
		f := e.Faulty(d.Path)
		if f == nil {
			continue
		}
		dr := f.Unwrap()
		st, err := dr.Stat(ctx, path)
		fmt.Fprintf(&b, "  drive %s (%s): gen=%d hash=%.8x err=%v\n", filepath.Base(d.Path), d.ID[:6], st.Meta.Gen, st.Meta.Hash, err)
		dr.WalkVersions(ctx, func(en drive.Entry) error {
			if en.Path == path {
				fmt.Fprintf(&b, "    version %d hash=%.8x\n", en.Version, en.Meta.Hash)
			}
			return nil
		})
	}
	return b.String()
}
