package backupstore

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/pool"
	"golang.org/x/sync/errgroup"
)

// MaxPack is the largest pack the server takes.
const MaxPack = 4 * backup.PackTarget

func packDir(id backup.ID) string  { return path.Join(Share, "packs", id.String()[:2]) }
func packPath(id backup.ID) string { return path.Join(packDir(id), id.String()) }

// PutPack checks a pack from a PC and stores it. Every blob is expanded and hashed:
// a blob stored once serves every PC, so a damaged one must never be let in.
// size is the body's length when known (-1 if not).
func (s *Store) PutPack(ctx context.Context, sessionID string, name backup.ID, body io.Reader, size int64) error {
	sess, err := s.session(sessionID)
	if err != nil {
		return err
	}
	select {
	case s.uploads <- struct{}{}:
		defer func() { <-s.uploads }()
	case <-ctx.Done():
		return ctx.Err()
	}
	var entries []backup.Entry
	if size >= 0 && size <= MaxPack && !s.havePack(ctx, name) {
		entries, err = s.putStreamed(ctx, name, body, size)
	} else {
		entries, err = s.putWhole(ctx, name, body, size)
	}
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, e := range entries {
		sess.keep[e.ID] = true
	}
	s.mu.Unlock()
	return nil
}

// putWhole reads a pack, checks it and then stores it: for a body of unknown size, and
// for a pack the pool has already (only its index is then recorded).
func (s *Store) putWhole(ctx context.Context, name backup.ID, body io.Reader, size int64) ([]backup.Entry, error) {
	data, err := s.readPack(body, size)
	if err != nil {
		return nil, err
	}
	// Nothing keeps the pack's memory once it is stored: the pool copies what it writes.
	defer s.keepPackBuf(data)
	entries, err := s.verifyPack(ctx, data)
	if err != nil {
		return nil, err
	}
	return entries, s.storePack(ctx, name, data, entries)
}

// havePack reports whether the pool holds the pack already.
func (s *Store) havePack(ctx context.Context, name backup.ID) bool {
	info, err := s.pool.Stat(ctx, packPath(name))
	return err == nil && info.Hash == name.String()
}

// streamStep is how much of a pack's body is read before it is passed on to the pool.
const streamStep = 1 << 20

// putStreamed stores a pack of known size as it arrives: each piece of the body goes on
// to the pool's new file (which hashes and writes it on its own goroutines) as soon as it
// is read into memory, so receiving, hashing and writing overlap. The blobs are checked
// once the whole pack, with its index at the end, is in; only then is the file committed
// (made durable and visible), else it is thrown away. The profile of a first backup had
// the server receive, check and write each pack one after the other.
func (s *Store) putStreamed(ctx context.Context, name backup.ID, body io.Reader, size int64) ([]backup.Entry, error) {
	p := packPath(name)
	if err := s.mkdirs(ctx, packDir(name)); err != nil {
		return nil, err
	}
	none := uint64(0)
	w, err := s.pool.Create(ctx, p, pool.WriteOptions{Size: size, IfGen: &none})
	if err != nil {
		return nil, fmt.Errorf("store pack: %w", err)
	}
	defer w.Abort() // throws the file away unless committed
	data := s.packBuf(size)
	defer s.keepPackBuf(data)
	for off := 0; off < len(data); {
		n, err := io.ReadFull(body, data[off:min(off+streamStep, len(data))])
		if _, werr := w.Write(data[off : off+n]); werr != nil {
			return nil, fmt.Errorf("store pack: %w", werr)
		}
		off += n
		if err != nil {
			return nil, fmt.Errorf("receive pack: %w", err)
		}
	}
	entries, err := s.verifyPack(ctx, data)
	if err != nil {
		return nil, err
	}
	info, err := w.Commit(ctx)
	if errors.Is(err, pool.ErrChanged) {
		// Another upload of the same pack came first.
		if done, err := s.adoptPack(ctx, name, entries); done || err != nil {
			return entries, err
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store pack: %w", err)
	}
	if info.Hash != name.String() {
		if err := s.pool.Discard(ctx, p); err != nil {
			s.log.Warn("a damaged pack could not be taken out again", "pack", p, "err", err)
		}
		return nil, fmt.Errorf("%w: its content does not match its name (a network or disk error on the PC)", ErrBadPack)
	}
	return entries, s.addPack(ctx, name, info.Size, s.now().Unix(), entries)
}

// packBuf returns size bytes of memory for a pack, a used pack's when there is one.
func (s *Store) packBuf(size int64) []byte {
	select {
	case b := <-s.packBufs:
		if int64(cap(b)) >= size {
			return b[:size]
		}
	default:
	}
	// Room for a full pack, whatever this one's size: packs differ by a few bytes, and a
	// buffer made to one's exact size was too small for the next about half the time (a
	// fresh allocation, zeroed, per pack in the profile).
	return make([]byte, size, max(size, packRoom))
}

// packRoom is the size of a full pack a PC makes: PackTarget and room for its index.
const packRoom = backup.PackTarget + 1<<20

// keepPackBuf keeps a pack's memory for the next pack, while there is room.
func (s *Store) keepPackBuf(b []byte) {
	if int64(cap(b)) > MaxPack/2 {
		return // a rare large pack; not worth keeping
	}
	select {
	case s.packBufs <- b:
	default:
	}
}

// dropPackBufs lets the kept packs' memory go; called with s.mu held when the last
// session ends.
func (s *Store) dropPackBufs() {
	if len(s.sessions) > 0 {
		return
	}
	for {
		select {
		case <-s.packBufs:
		default:
			return
		}
	}
}

// readPack reads a pack's body, at its announced size into a used pack's memory when
// known: a fresh 16 MiB allocation per pack, zeroed before the body overwrites it, was a
// tenth of the server's time taking a backup in.
func (s *Store) readPack(body io.Reader, size int64) ([]byte, error) {
	if size > MaxPack {
		return nil, ErrTooLarge
	}
	if size < 0 {
		data, err := io.ReadAll(io.LimitReader(body, MaxPack+1))
		if err != nil {
			return nil, fmt.Errorf("receive pack: %w", err)
		}
		if len(data) > MaxPack {
			return nil, ErrTooLarge
		}
		return data, nil
	}
	data := s.packBuf(size)
	if _, err := io.ReadFull(body, data); err != nil {
		return nil, fmt.Errorf("receive pack: %w", err)
	}
	return data, nil
}

// verifyPack checks every blob of a pack. That the pack is its name is checked by
// storePack, from the hash the pool takes as it writes.
func (s *Store) verifyPack(ctx context.Context, data []byte) ([]backup.Entry, error) {
	entries, err := backup.ReadPackIndex(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPack, err)
	}
	// Two halves on two cores: expanding is the costly part of taking a pack in.
	g, _ := errgroup.WithContext(ctx)
	half := len(entries) / 2
	for _, part := range [][]backup.Entry{entries[:half], entries[half:]} {
		g.Go(func() error {
			var buf []byte
			for _, e := range part {
				if e.Kind == backup.Data && e.RawLen > backup.ChunkMax {
					return fmt.Errorf("%w: a piece of %d bytes is larger than any the chunker makes", ErrBadPack, e.RawLen)
				}
				stored := data[e.Offset : e.Offset+e.Length]
				var err error
				if buf, err = s.codec.Verify(buf, e.ID, e.Enc, stored, int(e.RawLen)); err != nil {
					return fmt.Errorf("%w: %v", ErrBadPack, err)
				}
				if e.Kind == backup.Tree {
					plain := buf
					if e.Enc == backup.Raw {
						plain = stored
					}
					if _, err := backup.DecodeTree(plain); err != nil {
						return fmt.Errorf("%w: %v", ErrBadPack, err)
					}
				}
			}
			return nil
		})
	}
	return entries, g.Wait()
}

// storePack writes a pack to the pool (durably, on as many drives as the share wants)
// and then records it in the index. The pool hashes what it writes; a pack whose hash is
// not its name is taken out again. Nothing already there is ever replaced: two uploads of
// one pack cannot undo each other.
func (s *Store) storePack(ctx context.Context, name backup.ID, data []byte, entries []backup.Entry) error {
	p := packPath(name)
	if done, err := s.adoptPack(ctx, name, entries); done || err != nil {
		return err
	}
	if err := s.mkdirs(ctx, packDir(name)); err != nil {
		return err
	}
	none := uint64(0)
	info, err := s.pool.WriteFile(ctx, p, bytes.NewReader(data), pool.WriteOptions{Size: int64(len(data)), IfGen: &none})
	if errors.Is(err, pool.ErrChanged) {
		if done, err := s.adoptPack(ctx, name, entries); done || err != nil {
			return err
		}
	}
	if err != nil {
		return fmt.Errorf("store pack: %w", err)
	}
	if info.Hash != name.String() {
		if err := s.pool.Discard(ctx, p); err != nil {
			s.log.Warn("a damaged pack could not be taken out again", "pack", p, "err", err)
		}
		return fmt.Errorf("%w: its content does not match its name (a network or disk error on the PC)", ErrBadPack)
	}
	return s.addPack(ctx, name, info.Size, s.now().Unix(), entries)
}

// adoptPack indexes a pack that is already on the pool, and reports whether there was
// one.
func (s *Store) adoptPack(ctx context.Context, name backup.ID, entries []backup.Entry) (bool, error) {
	s.packMu.Lock()
	defer s.packMu.Unlock()
	info, err := s.pool.Stat(ctx, packPath(name))
	if err != nil || info.Hash != name.String() {
		return false, nil
	}
	return true, s.addPack(ctx, name, info.Size, s.now().Unix(), entries)
}

// mkdirs makes a folder in the Backups share and its parents.
func (s *Store) mkdirs(ctx context.Context, dir string) error {
	if dir == Share {
		return nil
	}
	if _, err := s.pool.Stat(ctx, dir); err == nil {
		return nil
	}
	if err := s.mkdirs(ctx, path.Dir(dir)); err != nil {
		return err
	}
	if _, err := s.pool.Mkdir(ctx, dir, s.now()); err != nil && !errors.Is(err, pool.ErrExist) {
		return fmt.Errorf("make %s: %w", dir, err)
	}
	return nil
}

// load returns a blob's plain content.
func (s *Store) load(ctx context.Context, id backup.ID) ([]byte, backup.Kind, error) {
	l, stored, err := s.LoadStored(ctx, id)
	if err != nil {
		return nil, 0, err
	}
	plain, err := s.codec.Expand(nil, id, l.Enc, stored, int(l.RawLen))
	return plain, l.Kind, err
}

// ErrNoBlob: the index does not know the blob.
var ErrNoBlob = errors.New("the backup piece is not on the server")

// LoadStored returns a blob as stored, for a PC to expand and check itself.
func (s *Store) LoadStored(ctx context.Context, id backup.ID) (backup.Entry, []byte, error) {
	// A collection may move the blob between the lookup and the read; look again once.
	for try := 0; ; try++ {
		l, ok, err := s.lookup(ctx, id)
		if err != nil {
			return backup.Entry{}, nil, err
		}
		if !ok {
			return backup.Entry{}, nil, fmt.Errorf("blob %s: %w", id.Short(), ErrNoBlob)
		}
		stored, err := s.readAt(ctx, l.pack, int64(l.Offset), int(l.Length))
		if errors.Is(err, pool.ErrNotFound) && try == 0 {
			continue
		}
		return l.Entry, stored, err
	}
}

func (s *Store) readAt(ctx context.Context, pack backup.ID, off int64, n int) ([]byte, error) {
	f, err := s.pool.Open(ctx, packPath(pack))
	if err != nil {
		return nil, fmt.Errorf("open pack %s: %w", pack.Short(), err)
	}
	defer f.Close()
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("read pack %s: %w", pack.Short(), err)
	}
	return buf, nil
}

// Reconcile brings the index in line with the packs in the pool: packs it lacks are read
// and added (after a lost state folder, or a crash between storing and indexing); packs
// that are gone are dropped, with a warning, since their blobs are lost.
func (s *Store) Reconcile(ctx context.Context) error {
	onDisk, err := s.listPacks(ctx)
	if err != nil {
		return err
	}
	known, err := s.packs(ctx)
	if err != nil {
		return err
	}
	have := map[backup.ID]bool{}
	for _, p := range known {
		have[p.id] = true
		if _, ok := onDisk[p.id]; !ok {
			s.log.Warn("a backup pack is missing from the pool; the backups that used it are damaged", "pack", p.id.String())
			if err := s.dropPack(ctx, p.n); err != nil {
				return err
			}
		}
	}
	added := 0
	for id, info := range onDisk {
		if have[id] {
			continue
		}
		entries, err := s.packIndex(ctx, id, info.Size)
		if err != nil {
			s.log.Warn("a backup pack is unreadable and was left out", "pack", id.String(), "err", err)
			continue
		}
		if err := s.addPack(ctx, id, info.Size, info.ModTime.Unix(), entries); err != nil {
			return err
		}
		added++
	}
	if added > 0 {
		s.log.Info("backup index rebuilt from the pool", "packs", added)
	}
	return nil
}

func (s *Store) packIndex(ctx context.Context, id backup.ID, size int64) ([]backup.Entry, error) {
	f, err := s.pool.Open(ctx, packPath(id))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return backup.ReadPackIndex(f, size)
}

func (s *Store) listPacks(ctx context.Context) (map[backup.ID]pool.FileInfo, error) {
	out := map[backup.ID]pool.FileInfo{}
	dirs, err := s.pool.List(ctx, path.Join(Share, "packs"))
	if errors.Is(err, pool.ErrNotFound) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		files, err := s.pool.List(ctx, d.Path)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			id, err := backup.ParseID(path.Base(f.Path))
			if err != nil || f.Dir || !strings.HasPrefix(id.String(), path.Base(d.Path)) {
				continue
			}
			out[id] = f
		}
	}
	return out, nil
}

// Blob returns a blob's plain content, checked against its name.
func (s *Store) Blob(ctx context.Context, id backup.ID) ([]byte, error) {
	data, _, err := s.load(ctx, id)
	return data, err
}

// Tree returns a folder listing.
func (s *Store) Tree(ctx context.Context, id backup.ID) (backup.TreeBlob, error) {
	data, kind, err := s.load(ctx, id)
	if err != nil {
		return backup.TreeBlob{}, err
	}
	if kind != backup.Tree {
		return backup.TreeBlob{}, fmt.Errorf("blob %s: %w: not a folder listing", id.Short(), backup.ErrCorrupt)
	}
	return backup.DecodeTree(data)
}

// StreamBlobs looks up ids and calls fn with each as stored, reading each pack once, in
// the order of the packs: a restore asks for many small blobs at a time. An ID the index
// lacks fails the whole call before anything is read.
func (s *Store) StreamBlobs(ctx context.Context, ids []backup.ID, fn func(e backup.Entry, stored []byte) error) error {
	found, err := s.lookupMany(ctx, ids)
	if err != nil {
		return err
	}
	locs := make([]loc, 0, len(found))
	seen := make(map[backup.ID]bool, len(ids))
	for _, id := range ids {
		if seen[id] { // an ID asked twice is sent once
			continue
		}
		seen[id] = true
		l, ok := found[id]
		if !ok {
			return fmt.Errorf("blob %s: %w", id.Short(), ErrNoBlob)
		}
		locs = append(locs, l)
	}
	slices.SortFunc(locs, func(a, b loc) int {
		if c := bytes.Compare(a.pack[:], b.pack[:]); c != 0 {
			return c
		}
		return cmp.Compare(a.Offset, b.Offset)
	})
	var buf []byte // one buffer for every pack of the call
	for i := 0; i < len(locs); {
		j := i
		for j < len(locs) && locs[j].pack == locs[i].pack {
			j++
		}
		if buf, err = s.streamPack(ctx, locs[i:j], buf, fn); err != nil {
			return err
		}
		i = j
	}
	return nil
}

// streamPack sends locs, all in one pack, reading them into buf, which it returns grown.
func (s *Store) streamPack(ctx context.Context, locs []loc, buf []byte, fn func(e backup.Entry, stored []byte) error) ([]byte, error) {
	f, err := s.pool.Open(ctx, packPath(locs[0].pack))
	if errors.Is(err, pool.ErrNotFound) {
		// A collection rewrote the pack since the lookup: fetch each where it is now.
		for _, l := range locs {
			e, stored, err := s.LoadStored(ctx, l.ID)
			if err != nil {
				return buf, err
			}
			if err := fn(e, stored); err != nil {
				return buf, err
			}
		}
		return buf, nil
	}
	if err != nil {
		return buf, fmt.Errorf("open pack %s: %w", locs[0].pack.Short(), err)
	}
	defer f.Close()
	for _, l := range locs {
		buf = slices.Grow(buf[:0], int(l.Length))[:l.Length]
		if _, err := f.ReadAt(buf, int64(l.Offset)); err != nil {
			return buf, fmt.Errorf("read pack %s: %w", l.pack.Short(), err)
		}
		if err := fn(l.Entry, buf); err != nil {
			return buf, err
		}
	}
	return buf, nil
}
