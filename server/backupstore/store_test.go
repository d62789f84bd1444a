package backupstore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupfs/backupfstest"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

func open(t *testing.T, e *pooltest.Env, index string, now func() time.Time) *backupstore.Store {
	t.Helper()
	st, err := backupstore.Open(context.Background(), backupstore.Options{Pool: e.Pool, Index: index, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func onePack(plain []byte) ([]byte, backup.ID, backup.ID) {
	c := backup.NewCodec()
	b := backup.NewPackBuilder()
	stored, enc := c.Compress(nil, plain)
	id := backup.Hash(plain)
	b.Add(id, backup.Data, enc, stored, len(plain))
	data, name := b.Finish()
	return data, name, id
}

// TestHostilePacks: a pack whose name, index or blobs do not match is refused, and
// nothing of it is stored or believed.
func TestHostilePacks(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	st := open(t, e, filepath.Join(t.TempDir(), "b.db"), nil)
	sess, _, err := st.Begin(ctx, "pc", "ann", nil)
	if err != nil {
		t.Fatal(err)
	}
	good, name, id := onePack(bytes.Repeat([]byte("family photo "), 1000))

	// A blob that lies about its name: built with another blob's ID.
	c := backup.NewCodec()
	b := backup.NewPackBuilder()
	stored, enc := c.Compress(nil, []byte("not what the name says"))
	b.Add(id, backup.Data, enc, stored, 22)
	liar, liarName := b.Finish()

	flipped := bytes.Clone(good)
	flipped[20] ^= 1
	cases := map[string]struct {
		name backup.ID
		data []byte
	}{
		"wrong name":          {liarName, good},
		"blob lies":           {liarName, liar},
		"flipped bit":         {backup.Hash(flipped), flipped},
		"truncated":           {backup.Hash(good[:len(good)-9]), good[:len(good)-9]},
		"not a pack":          {backup.Hash([]byte("hello")), []byte("hello")},
		"larger than allowed": {backup.Hash(nil), make([]byte, backupstore.MaxPack+1)},
	}
	for what, tc := range cases {
		err := st.PutPack(ctx, sess, tc.name, bytes.NewReader(tc.data), int64(len(tc.data)))
		if err == nil {
			t.Errorf("%s: accepted", what)
		}
	}
	if missing, _ := st.Missing(ctx, sess, []backup.ID{id}); len(missing) != 1 {
		t.Fatal("a refused pack's blob is believed stored")
	}
	// A pack of known size goes to the pool as it arrives; a refused one must not stay
	// there either: an index rebuilt from the pool would believe it.
	rebuilt := open(t, e, filepath.Join(t.TempDir(), "rebuilt.db"), nil)
	other, _, err := rebuilt.Begin(ctx, "pc2", "ann", nil)
	if err != nil {
		t.Fatal(err)
	}
	if missing, _ := rebuilt.Missing(ctx, other, []backup.ID{id}); len(missing) != 1 {
		t.Fatal("a refused pack was left in the pool")
	}
	// Streamed (size known), then again with the size unknown: the pool has it already.
	for _, size := range []int64{int64(len(good)), -1} {
		if err := st.PutPack(ctx, sess, name, bytes.NewReader(good), size); err != nil {
			t.Fatal(err)
		}
		if missing, _ := st.Missing(ctx, sess, []backup.ID{id}); len(missing) != 0 {
			t.Fatal("a stored blob is reported missing")
		}
	}
	if err := st.PutPack(ctx, "no-such-session", name, bytes.NewReader(good), -1); !errors.Is(err, backupstore.ErrNoSession) {
		t.Errorf("pack outside a session: %v", err)
	}
}

// TestIndexRebuilt: the index beside the catalog is only an index; losing it loses
// nothing, because the packs in the pool say what they hold.
func TestIndexRebuilt(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	index := filepath.Join(t.TempDir(), "b.db")
	st := open(t, e, index, nil)
	when := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	id := backupfstest.Backup(t, st, "pc", "ann", when, "/home/ann", []backupfstest.Entry{
		{Path: "letter.txt", Data: []byte("Dear Grandma"), Mtime: when},
		{Path: "photos/big.jpg", Data: bytes.Repeat([]byte{1, 2, 3, 4, 5}, 300000), Chunk: 1 << 18, Mtime: when},
	})
	st.Close()
	for _, f := range []string{index, index + "-wal", index + "-shm"} {
		os.Remove(f)
	}
	st = open(t, e, index, nil)
	snap, err := st.Snapshot(ctx, "pc", id)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := st.Check(ctx, true)
	if err != nil || len(rep.Problems) > 0 || rep.Snapshots != 1 || rep.Blobs < 6 {
		t.Fatalf("check after rebuilding the index: %+v, %v", rep, err)
	}
	if _, err := st.Tree(ctx, snap.Tree); err != nil {
		t.Fatal(err)
	}
}

// TestRetentionAtNightlyCleanup: a backup never lets another go; the nightly cleanup
// applies the PC's rule to each set of folders on its own, keeps pinned backups, records
// each backup it lets go with the reason, and frees their data only after the grace
// period, until when a pin brings one back.
func TestRetentionAtNightlyCleanup(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	now := time.Date(2026, 1, 1, 3, 0, 0, 0, time.Local)
	var events []string
	st, err := backupstore.Open(ctx, backupstore.Options{Pool: e.Pool, Index: filepath.Join(t.TempDir(), "b.db"),
		Now: func() time.Time { return now }, Grace: 48 * time.Hour,
		Event: func(_ context.Context, pc, text string) { events = append(events, pc+": "+text) }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []backup.ID
	base := now
	for day := range 40 { // Jan 1 to Feb 9 (a Monday), every night
		when := base.AddDate(0, 0, day)
		now = when
		ids = append(ids, backupfstest.Backup(t, st, "pc", "ann", when, "/home/ann", []backupfstest.Entry{
			{Path: "diary.txt", Data: []byte("day " + when.Format(time.DateOnly)), Mtime: when},
		}))
	}
	// A "Back up now" of one folder the same morning: another set of folders.
	now = now.Add(6 * time.Hour)
	letters := backupfstest.Backup(t, st, "pc", "ann", now, "/home/ann/Letters", []backupfstest.Entry{{Path: "grandma.txt", Data: []byte("Dear Grandma"), Mtime: now}})
	if snaps, _ := st.Snapshots(ctx, "pc"); len(snaps) != 41 {
		t.Fatalf("%d backups after 41 were made; a backup must not let others go", len(snaps))
	}
	if err := st.Pin(ctx, "pc", ids[1], true); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	// Last 5: Feb 5 to 9. Daily: Feb 9, 8, 7. Weekly (ISO): Feb 9, Feb 8, Feb 1 (Sundays
	// end weeks). Monthly: Feb 9, Jan 31. Pinned: Jan 2. And the Letters backup.
	keep := []backup.ID{ids[1], ids[30], ids[31], ids[35], ids[36], ids[37], ids[38], ids[39], letters}
	snaps, err := st.Snapshots(ctx, "pc")
	if err != nil {
		t.Fatal(err)
	}
	var got []backup.ID
	for _, sn := range snaps {
		got = append(got, sn.ID)
	}
	slices.SortFunc(keep, func(a, b backup.ID) int { return bytes.Compare(a[:], b[:]) })
	slices.SortFunc(got, func(a, b backup.ID) int { return bytes.Compare(a[:], b[:]) })
	if !slices.Equal(got, keep) {
		t.Fatalf("kept %d backups, want %d", len(got), len(keep))
	}
	if len(events) != 32 || !strings.Contains(events[0], "was let go: older than the last 5, 3 daily, 3 weekly and 3 monthly") {
		t.Fatalf("%d events, the first: %q; want 32 saying which and why", len(events), events[0])
	}
	// Within the grace period the data stays, and a pin brings a backup back.
	if err := st.Pin(ctx, "pc", ids[10], true); err != nil {
		t.Fatalf("pin a backup let go an hour ago: %v", err)
	}
	if _, err := st.Snapshot(ctx, "pc", ids[10]); err != nil {
		t.Fatalf("the pinned backup is not back: %v", err)
	}
	if c, err := st.Check(ctx, true); err != nil || len(c.Problems) > 0 {
		t.Fatalf("check within the grace period: %+v, %v", c, err)
	}
	now = now.Add(72 * time.Hour)
	rep, err := st.Cleanup(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.RemovedBlobs < 31*2 {
		t.Errorf("after the grace period the collection removed %d blobs; each of the 31 let go had its own diary and trees", rep.RemovedBlobs)
	}
	if c, err := st.Check(ctx, true); err != nil || len(c.Problems) > 0 || c.Snapshots != 10 {
		t.Fatalf("after collection: %+v, %v", c, err)
	}
	if _, err := st.Snapshot(ctx, "pc", ids[10]); err != nil {
		t.Errorf("the backup pinned back is gone: %v", err)
	}
}

// TestOneBackupOfAPCAtATime: while a backup of a PC runs, a second is refused saying
// so; a session its PC keeps alive stays running, and one its PC left lapses.
func TestOneBackupOfAPCAtATime(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	now := time.Date(2026, 1, 1, 3, 0, 0, 0, time.Local)
	st := open(t, e, filepath.Join(t.TempDir(), "b.db"), func() time.Time { return now })
	first, _, err := st.Begin(ctx, "pc", "ann", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.Begin(ctx, "other pc", "ann", nil); err != nil {
		t.Fatalf("another PC's backup: %v", err)
	}
	for range 3 { // a long backup that reads files the server has, saying it is alive
		now = now.Add(4 * time.Minute)
		if err := st.Touch(first); err != nil {
			t.Fatal(err)
		}
		_, _, err := st.Begin(ctx, "pc", "ann", nil)
		var busy *backupstore.BusyError
		if !errors.As(err, &busy) || !errors.Is(err, backupstore.ErrBusy) || !strings.Contains(err.Error(), "running already (started 03:00)") {
			t.Fatalf("a second backup of a running PC: %v; want it refused, saying one runs since 03:00", err)
		}
	}
	now = now.Add(10 * time.Minute) // the PC was switched off mid-backup
	if _, _, err := st.Begin(ctx, "pc", "ann", nil); err != nil {
		t.Fatalf("a backup after the last one was left: %v", err)
	}
	if err := st.Touch(first); !errors.Is(err, backupstore.ErrNoSession) {
		t.Errorf("the left session: %v; want it ended", err)
	}
}

// TestGCStopsOnUnreadableBackup: a backup that cannot be read (a bad sector, a missing
// drive) must not look absent to the collector, which would take its data.
func TestGCStopsOnUnreadableBackup(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	st, err := backupstore.Open(ctx, backupstore.Options{Pool: e.Pool, Index: filepath.Join(t.TempDir(), "b.db"), Grace: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	when := time.Now().Add(-time.Hour)
	id := backupfstest.Backup(t, st, "pc", "ann", when, "/home/ann", []backupfstest.Entry{
		{Path: "only-copy.txt", Data: []byte("the only copy of grandma's recipe"), Mtime: when},
	})
	file := pooltest.OnDisk(e.Drives[0], "Backups/pcs/pc/"+id.String()+".snapshot")
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	data[10] ^= 0x20
	if err := os.WriteFile(file, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if rep, err := st.GC(ctx); err == nil || rep.RemovedBlobs != 0 {
		t.Fatalf("collection with an unreadable backup: %+v, %v; want it stopped with nothing removed", rep, err)
	}
	c, err := st.Check(ctx, true)
	if err != nil || len(c.Problems) == 0 || c.Blobs < 3 {
		t.Fatalf("check: %+v, %v; want the damaged backup named and every piece still there", c, err)
	}
}

// TestWrongPCClock: a backup from a PC whose clock is ahead of the server's, or behind
// its own last backup, takes the server's time, so the retention rule cannot sort it
// among the oldest and let it go.
func TestWrongPCClock(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	now := time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC)
	st, err := backupstore.Open(ctx, backupstore.Options{Pool: e.Pool, Index: filepath.Join(t.TempDir(), "b.db"), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	backup1 := func(when time.Time, text string) backupstore.SnapshotInfo {
		id := backupfstest.Backup(t, st, "pc", "ann", when, "/home/ann", []backupfstest.Entry{{Path: "diary.txt", Data: []byte(text), Mtime: when}})
		s, err := st.Snapshot(ctx, "pc", id)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := backup1(now.Add(-time.Hour), "right clock"); !s.Time.Equal(now.Add(-time.Hour)) {
		t.Errorf("a right clock's time was changed to %v", s.Time)
	}
	now = now.AddDate(0, 0, 1)
	if s := backup1(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC), "dead battery"); !s.Time.Equal(now) {
		t.Errorf("a backup dated 2001 after one dated 2026 kept %v; want the server's time", s.Time)
	}
	now = now.AddDate(0, 0, 1)
	if s := backup1(now.AddDate(1, 0, 0), "clock a year ahead"); !s.Time.Equal(now) {
		t.Errorf("a backup dated a year ahead kept %v; want the server's time", s.Time)
	}
	snaps, _ := st.Snapshots(ctx, "pc")
	if len(snaps) != 3 {
		t.Errorf("%d backups kept; want all 3 (one per day)", len(snaps))
	}
}

// TestPCNameUniqueWithoutCase: a PC's first backup claims its name without case: bob's
// "Alice-Laptop" is refused next to alice's alice-laptop, and so is alice's own second
// spelling; the PC itself goes on backing up.
func TestPCNameUniqueWithoutCase(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	st := open(t, e, filepath.Join(t.TempDir(), "b.db"), nil)
	when := time.Now().Add(-time.Hour)
	backupfstest.Backup(t, st, "alice-laptop", "alice", when, "/home/alice", []backupfstest.Entry{{Path: "a.txt", Data: []byte("a"), Mtime: when}})
	for _, c := range []struct {
		pc, owner string
		yours     bool
	}{{"Alice-Laptop", "bob", false}, {"ALICE-LAPTOP", "alice", true}} {
		_, _, err := st.Begin(ctx, c.pc, c.owner, nil)
		var taken *auth.PCTakenError
		if !errors.As(err, &taken) || !errors.Is(err, auth.ErrPCTaken) || taken.PC != "alice-laptop" || taken.Yours != c.yours {
			t.Errorf("%s backs up as %s: %v; want it refused, naming alice-laptop", c.owner, c.pc, err)
		}
	}
	if _, _, err := st.Begin(ctx, "alice-laptop", "bob", nil); !errors.Is(err, backupstore.ErrNotOwner) {
		t.Errorf("bob backs up as alice-laptop: %v; want it refused", err)
	}
	if _, _, err := st.Begin(ctx, "alice-laptop", "Alice", nil); err != nil {
		t.Errorf("alice-laptop backs up again: %v", err)
	}
	if pcs, _ := st.PCs(ctx); len(pcs) != 1 {
		t.Errorf("%d PCs; want alice-laptop alone", len(pcs))
	}
}

// TestDeletedBackupsRecoverable: a backup let go (by a lowered retention rule, or
// deleted) is listed as deleted with when, can be brought back within the grace period,
// keeps its data through garbage collection until then, and is freed after it.
func TestDeletedBackupsRecoverable(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	now := time.Date(2026, 3, 1, 3, 0, 0, 0, time.Local)
	st, err := backupstore.Open(ctx, backupstore.Options{Pool: e.Pool, Index: filepath.Join(t.TempDir(), "b.db"),
		Now: func() time.Time { return now }, Grace: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var ids []backup.ID
	for range 4 {
		when := now
		ids = append(ids, backupfstest.Backup(t, st, "pc", "ann", when, "/home/ann", []backupfstest.Entry{
			{Path: "diary.txt", Data: bytes.Repeat([]byte("day "+when.Format(time.DateOnly)), 5000), Mtime: when},
		}))
		now = now.AddDate(0, 0, 1)
	}
	// A month on (the packs are older than the grace period: only the deleted backups
	// hold their data), the rule lowered to nothing lets all but the newest go, and the
	// newest is deleted by hand.
	now = now.AddDate(0, 1, 0)
	if err := st.SetPolicy(ctx, "pc", backup.Policy{}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	letGo := now
	now = now.Add(time.Hour)
	if err := st.Delete(ctx, "pc", ids[3], "a test"); err != nil {
		t.Fatal(err)
	}
	if snaps, _ := st.Snapshots(ctx, "pc"); len(snaps) != 0 {
		t.Fatalf("%d backups left; want none", len(snaps))
	}
	deleted, err := st.Deleted(ctx, "pc")
	if err != nil || len(deleted) != 4 || deleted[0].ID != ids[3] || !deleted[0].Deleted.Equal(now) ||
		!deleted[1].Deleted.Equal(letGo) || !deleted[1].Until.Equal(letGo.Add(7*24*time.Hour)) {
		t.Fatalf("deleted backups: %+v, %v; want all 4, the one deleted by hand first, each with when", deleted, err)
	}
	// Six days on the data is all there, whatever the collection does.
	now = now.AddDate(0, 0, 6)
	rep, err := st.Cleanup(ctx)
	if err != nil || rep.RemovedBlobs != 0 {
		t.Fatalf("collection within the grace period: %+v, %v; want nothing removed", rep, err)
	}
	if c, err := st.Check(ctx, true); err != nil || len(c.Problems) > 0 {
		t.Fatalf("check within the grace period: %+v, %v", c, err)
	}
	if err := st.Undelete(ctx, "pc", ids[0]); err != nil {
		t.Fatalf("undelete within the grace period: %v", err)
	}
	back, err := st.Snapshot(ctx, "pc", ids[0])
	if err != nil {
		t.Fatalf("the backup brought back: %v", err)
	}
	if _, err := st.Tree(ctx, back.Tree); err != nil {
		t.Fatalf("the backup brought back lost its data: %v", err)
	}
	// Past the grace period the rest goes, and cannot come back.
	now = now.AddDate(0, 0, 2)
	rep, err = st.Cleanup(ctx)
	if err != nil || rep.RemovedBlobs < 3*2 {
		t.Fatalf("collection after the grace period: %+v, %v; want the 3 deleted backups' diaries and trees freed", rep, err)
	}
	if d, _ := st.Deleted(ctx, "pc"); len(d) != 0 {
		t.Errorf("%d deleted backups listed after the grace period", len(d))
	}
	if err := st.Undelete(ctx, "pc", ids[1]); !errors.Is(err, backupstore.ErrNoSnapshot) {
		t.Errorf("undelete after the grace period: %v; want no such backup", err)
	}
	c, err := st.Check(ctx, true)
	if err != nil || len(c.Problems) > 0 || c.Snapshots != 1 {
		t.Fatalf("check after the collection: %+v, %v; want the one brought back, whole", c, err)
	}
}
