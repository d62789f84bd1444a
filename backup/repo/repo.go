// Package repo is a backup repository on any storage.Storage (the pool, a folder on an
// external drive, an S3 bucket): the archiver's Remote and the restorer's Loader over
// the same pack and snapshot format the server keeps for PCs, plus one small index file
// per pack so that opening a repository reads kilobytes, not every pack.
//
// Layout (see backup/FORMAT.md, "Repositories on other storage"):
//
//	packs/<xx>/<pack ID>       pack files, as PCs send them
//	index/<xx>/<pack ID>       the pack's own index and footer, copied: "HEARTHI1", the
//	                           pack's size (uint64, little-endian), then its last bytes
//	snapshots/<snapshot ID>    one per backup
package repo

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/crypt"
	"github.com/hearth-home/hearth/backup/storage"
	"golang.org/x/sync/errgroup"
)

// Repo is an open repository. It is safe for concurrent use.
type Repo struct {
	st    storage.Storage
	codec *backup.Codec
	log   *slog.Logger

	mu    sync.Mutex
	blobs map[backup.ID]where // every blob of every pack, from the index files
	packs map[backup.ID]int64 // every pack with its size
	// contents lists every pack's blobs (blobs keeps one place for each; a blob sent
	// twice by runs that overlapped is in two packs).
	contents map[backup.ID][]backup.ID
	// recent holds the packs read last, newest at the end: a file restored piece by
	// piece (Blob) reads its pack once, not once per piece.
	recent []cachedPack
}

type cachedPack struct {
	id   backup.ID
	data []byte
}

// keepPacks is how many packs recent holds (at most 4 × 16 MiB, the size PCs and the
// archiver close packs at).
const keepPacks = 4

// pack returns a pack's content, from recent when it is there.
func (r *Repo) pack(ctx context.Context, id backup.ID) ([]byte, error) {
	r.mu.Lock()
	for _, c := range r.recent {
		if c.id == id {
			r.mu.Unlock()
			return c.data, nil
		}
	}
	r.mu.Unlock()
	data, err := r.get(ctx, packName(id))
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	if len(r.recent) == keepPacks {
		r.recent = r.recent[1:]
	}
	r.recent = append(r.recent, cachedPack{id, data})
	r.mu.Unlock()
	return data, nil
}

// where is a blob's place: its pack and its entry there.
type where struct {
	pack  backup.ID
	entry backup.Entry
}

// ErrNoBlob: the repository has no blob of that ID.
var ErrNoBlob = errors.New("the backup does not hold that piece of data")

// Open reads the repository's index files. A pack without one (a run cut off between
// storing the two) is read whole and its index file written, so the next open is quick.
func Open(ctx context.Context, st storage.Storage, log *slog.Logger) (*Repo, error) {
	if log == nil {
		log = slog.Default()
	}
	// An encrypted repository read without its key would show sealed bytes as damaged
	// packs; say what it is instead. (Through crypt.Storage the config is out of reach.)
	if rc, err := st.Get(ctx, crypt.ConfigName); err == nil {
		rc.Close()
		return nil, crypt.ErrEncrypted
	}
	r := &Repo{st: st, codec: backup.NewCodec(), log: log, blobs: map[backup.ID]where{}, packs: map[backup.ID]int64{},
		contents: map[backup.ID][]backup.ID{}}
	packs := map[backup.ID]int64{}
	if err := st.List(ctx, "packs/", func(o storage.Object) error {
		if id, ok := idOf(o.Name, "packs/"); ok {
			packs[id] = o.Size
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("open the backup: %w", err)
	}
	indexed := map[backup.ID]bool{}
	if err := st.List(ctx, "index/", func(o storage.Object) error {
		if id, ok := idOf(o.Name, "index/"); ok {
			indexed[id] = true
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("open the backup: %w", err)
	}
	var g errgroup.Group
	g.SetLimit(8)
	for id, size := range packs {
		g.Go(func() error {
			entries, err := r.readIndex(ctx, id, size, indexed[id])
			if err != nil {
				return err
			}
			r.add(id, size, entries)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("open the backup: %w", err)
	}
	return r, nil
}

// idOf reads the pack ID of packs/<xx>/<ID> or index/<xx>/<ID>.
func idOf(name, dir string) (backup.ID, bool) {
	rest := strings.TrimPrefix(name, dir)
	if len(rest) != 2+1+64 || rest[2] != '/' {
		return backup.ID{}, false
	}
	id, err := backup.ParseID(rest[3:])
	return id, err == nil && rest[:2] == rest[3:5]
}

func packName(id backup.ID) string  { return "packs/" + id.String()[:2] + "/" + id.String() }
func indexName(id backup.ID) string { return "index/" + id.String()[:2] + "/" + id.String() }

// indexMagic starts an index file.
const indexMagic = "HEARTHI1"

// readIndex returns a pack's entries from its index file, or from the pack itself when
// the index file is missing or damaged (then written anew).
func (r *Repo) readIndex(ctx context.Context, id backup.ID, size int64, haveFile bool) ([]backup.Entry, error) {
	if haveFile {
		data, err := r.get(ctx, indexName(id))
		if err == nil {
			entries, perr := parseIndexFile(data, size)
			if perr == nil {
				return entries, nil
			}
			err = perr
		}
		r.log.Warn("a pack's index file could not be used; reading the pack", "pack", id.Short(), "err", err)
	}
	data, err := r.get(ctx, packName(id))
	if err != nil {
		return nil, err
	}
	if backup.Hash(data) != id {
		return nil, fmt.Errorf("pack %s: %w: its content does not match its name", id.Short(), backup.ErrCorrupt)
	}
	entries, err := backup.ReadPackIndex(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("pack %s: %w", id.Short(), err)
	}
	if haveFile {
		// A damaged index file is not replaced: objects are never overwritten. It is
		// read around each time until a check repairs it.
		return entries, nil
	}
	if err := r.putIndex(ctx, id, data); err != nil {
		r.log.Warn("a pack's index file could not be written", "pack", id.Short(), "err", err)
	}
	return entries, nil
}

// indexFile returns a pack's index file: the magic, the pack's size, and the pack from
// its index on.
func indexFile(pack []byte, entries int) []byte {
	tail := pack[len(pack)-(entries*48+20):]
	out := make([]byte, 0, 16+len(tail))
	out = append(out, indexMagic...)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(pack)))
	return append(out, tail...)
}

// parseIndexFile checks an index file against the pack's size and returns its entries,
// checked as the pack's own index is (its checksum, every blob within the pack).
func parseIndexFile(data []byte, packSize int64) ([]backup.Entry, error) {
	if len(data) < 16 || string(data[:8]) != indexMagic {
		return nil, fmt.Errorf("index file: %w: not a Hearth index file", backup.ErrCorrupt)
	}
	if size := int64(binary.LittleEndian.Uint64(data[8:16])); size != packSize {
		return nil, fmt.Errorf("index file: %w: for a pack of %d bytes, the pack has %d", backup.ErrCorrupt, size, packSize)
	}
	return backup.ReadPackIndex(tailReader{tail: data[16:], size: packSize}, packSize)
}

// tailReader shows a pack's last bytes at their place, and a pack's header at 0, which
// is all ReadPackIndex reads.
type tailReader struct {
	tail []byte
	size int64
}

func (t tailReader) ReadAt(p []byte, off int64) (int, error) {
	if off == 0 && len(p) <= 8 {
		return copy(p, "HEARTHP1"), nil
	}
	start := t.size - int64(len(t.tail))
	if off < start || off+int64(len(p)) > t.size {
		return 0, fmt.Errorf("index file: %w: the index reaches past what the file holds", backup.ErrCorrupt)
	}
	return copy(p, t.tail[off-start:]), nil
}

func (r *Repo) putIndex(ctx context.Context, id backup.ID, pack []byte) error {
	entries, err := backup.ReadPackIndex(bytes.NewReader(pack), int64(len(pack)))
	if err != nil {
		return err
	}
	data := indexFile(pack, len(entries))
	if err := r.st.Put(ctx, indexName(id), bytes.NewReader(data), int64(len(data))); err != nil && !errors.Is(err, storage.ErrExists) {
		return err
	}
	return nil
}

func (r *Repo) add(id backup.ID, size int64, entries []backup.Entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.packs[id] = size
	ids := make([]backup.ID, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	r.contents[id] = ids
	for _, e := range entries {
		if _, ok := r.blobs[e.ID]; !ok {
			r.blobs[e.ID] = where{pack: id, entry: e}
		}
	}
}

func (r *Repo) get(ctx context.Context, name string) ([]byte, error) {
	rc, err := r.st.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return data, nil
}

// Missing returns those of ids the repository lacks.
func (r *Repo) Missing(ctx context.Context, ids []backup.ID) ([]backup.ID, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []backup.ID
	for _, id := range ids {
		if _, ok := r.blobs[id]; !ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// PutPack stores a pack the archiver made, then its index file: a pack is usable only
// once its index file is there, and one without (a run cut off between the two) is
// found and indexed by the next Open.
func (r *Repo) PutPack(ctx context.Context, name backup.ID, data []byte) error {
	if backup.Hash(data) != name {
		return fmt.Errorf("pack %s: %w: its content does not match its name", name.Short(), backup.ErrCorrupt)
	}
	entries, err := backup.ReadPackIndex(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("pack %s: %w", name.Short(), err)
	}
	if err := r.st.Put(ctx, packName(name), bytes.NewReader(data), int64(len(data))); err != nil && !errors.Is(err, storage.ErrExists) {
		return fmt.Errorf("store pack %s: %w", name.Short(), err)
	}
	idx := indexFile(data, len(entries))
	if err := r.st.Put(ctx, indexName(name), bytes.NewReader(idx), int64(len(idx))); err != nil && !errors.Is(err, storage.ErrExists) {
		return fmt.Errorf("store the index of pack %s: %w", name.Short(), err)
	}
	r.add(name, int64(len(data)), entries)
	return nil
}

// PutBlob stores one blob of plain content in a pack of its own, unless the
// repository has it, and returns its ID: for what a backup holds besides files (the
// server's configuration).
func (r *Repo) PutBlob(ctx context.Context, kind backup.Kind, plain []byte) (backup.ID, error) {
	id := backup.Hash(plain)
	if missing, _ := r.Missing(ctx, []backup.ID{id}); len(missing) == 0 {
		return id, nil
	}
	stored, enc := r.codec.Compress(nil, plain)
	b := backup.NewPackBuilderBuf(make([]byte, 0, len(stored)+1024))
	b.Add(id, kind, enc, stored, len(plain))
	data, name := b.Finish()
	return id, r.PutPack(ctx, name, data)
}

// Blob returns a blob's plain content, checked against its ID.
func (r *Repo) Blob(ctx context.Context, id backup.ID) ([]byte, error) {
	var out []byte
	err := r.Blobs(ctx, []backup.ID{id}, func(_ backup.ID, plain []byte) error {
		out = slices.Clone(plain)
		return nil
	})
	return out, err
}

// fetchers is how many packs are read at once.
const fetchers = 4

// Blobs fetches the blobs of ids, each pack once, and calls fn with each blob's plain
// content (valid only during the call), from several goroutines, one call at a time.
func (r *Repo) Blobs(ctx context.Context, ids []backup.ID, fn func(id backup.ID, plain []byte) error) error {
	byPack := map[backup.ID][]backup.Entry{}
	r.mu.Lock()
	for _, id := range ids {
		w, ok := r.blobs[id]
		if !ok {
			r.mu.Unlock()
			return fmt.Errorf("blob %s: %w", id.Short(), ErrNoBlob)
		}
		byPack[w.pack] = append(byPack[w.pack], w.entry)
	}
	r.mu.Unlock()
	var fnMu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchers)
	for pack, entries := range byPack {
		g.Go(func() error {
			data, err := r.pack(gctx, pack)
			if err != nil {
				return err
			}
			var plain []byte
			for _, e := range entries {
				end := int64(e.Offset) + int64(e.Length)
				if end > int64(len(data)) {
					return fmt.Errorf("pack %s: %w: shorter than its index says", pack.Short(), backup.ErrCorrupt)
				}
				plain, err = r.codec.Expand(plain[:0], e.ID, e.Enc, data[e.Offset:end], int(e.RawLen))
				if err != nil {
					return fmt.Errorf("pack %s: %w", pack.Short(), err)
				}
				fnMu.Lock()
				err = fn(e.ID, plain)
				fnMu.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}
