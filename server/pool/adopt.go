package pool

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hearth-home/hearth/server/pool/drive"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/zeebo/blake3"
)

// Adopt commits at path the content of staged, a whole file in a folder StagingDir gave
// (synced by its owner), as WriteFile would write it: the same checks, its hash and block
// checksums recorded, the file there before kept as a previous version, as many copies
// as the share wants, nothing visible until it is all done. The copy on the staging
// drive is the staged file itself, linked into place instead of written again: only the
// share's other copies are written, and the content is read once for its checksums.
//
// The staged file keeps its name, and must not change from the call on: once committed
// it is the pool's copy, until its owner removes the name (as soon as Adopt returned).
// A crash on the way leaves the old file or the new one at path, and the staged file
// whole, to be adopted again. When the staging drive cannot take a copy now (it is
// leaving the pool, failing or being checked), or the staged file has another link (an
// earlier Adopt of it that a crash cut off), its content is copied like any write.
// A staged file whose drive is not there fails with fs.ErrNotExist.
func (p *Pool) Adopt(ctx context.Context, path, staged string, opt WriteOptions) (FileInfo, error) {
	path, err := safepath.Clean(path)
	if err != nil {
		return FileInfo{}, err
	}
	v, rel, err := p.stagedOn(staged)
	if err != nil {
		return FileInfo{}, wrapPath(path, err)
	}
	cur, want, err := p.prepareWrite(ctx, path)
	if err != nil {
		return FileInfo{}, err
	}
	if !v.writable() {
		return p.copyStaged(ctx, path, staged, opt)
	}
	pf, r, err := v.d.Adopt(ctx, path, rel)
	if errors.Is(err, drive.ErrShared) {
		p.log.Info("a staged file is linked elsewhere already; copying it", "file", path, "drive", v.rec.Label)
		return p.copyStaged(ctx, path, staged, opt)
	}
	if err != nil {
		return FileInfo{}, wrapPath(path, p.noteErr(ctx, v, err))
	}
	defer r.Close()
	exit := make(chan struct{})
	close(exit) // no goroutine writes an adopted copy
	w := &Writer{p: p, path: path, opt: opt, want: want, hash: blake3.New(), buf: p.chunk(), spare: p.chunk(),
		targets: []*target{{v: v, pf: pf, exit: exit, adopted: true}}}
	var prefer []string
	if cur != nil {
		prefer = cur.Copies
	}
	if err := w.open(ctx, prefer); err != nil { // with the adopted copy, only fails to add more
		pf.Abort()
		w.release()
		return FileInfo{}, err
	}
	w.done = p.paths.startWrite(path)
	// One read of the content makes its hash and block checksums and feeds the other
	// copies; the staged file was synced as it arrived, so only its metadata is synced
	// at the commit.
	if _, err := w.ReadFrom(&ctxReader{ctx: ctx, r: r}); err != nil {
		w.Abort()
		return FileInfo{}, fmt.Errorf("%s: read the staged file: %w", path, err)
	}
	if opt.Size > 0 && w.n != opt.Size {
		w.Abort()
		return FileInfo{}, fmt.Errorf("%s: %w: the staged file has %d bytes of %d", path, errShortStaged, w.n, opt.Size)
	}
	return w.Commit(ctx)
}

var errShortStaged = errors.New("the staged file is not whole")

// stagedOn finds the drive whose staging area holds staged (an absolute name, in a
// folder StagingDir gave) and the name below its staging area.
func (p *Pool) stagedOn(staged string) (view, string, error) {
	staged = filepath.Clean(staged)
	for _, v := range p.views() {
		root := v.rec.Path
		if v.d != nil {
			root = v.d.Info().Path // where StagingDir found it
		}
		rel, ok := strings.CutPrefix(staged, filepath.Join(root, stagingDir)+string(filepath.Separator))
		if !ok {
			continue
		}
		if !v.present() {
			return view{}, "", fmt.Errorf("drive %s, which holds the staged file, is not there: %w", v.rec.Label, fs.ErrNotExist)
		}
		return v, filepath.ToSlash(rel), nil
	}
	return view{}, "", fmt.Errorf("%s is not in a staging folder of the pool: %w", staged, ErrRefused)
}

// copyStaged writes the staged file's content like any new file.
func (p *Pool) copyStaged(ctx context.Context, path, staged string, opt WriteOptions) (FileInfo, error) {
	f, err := os.Open(staged)
	if err != nil {
		return FileInfo{}, wrapPath(path, err)
	}
	defer f.Close()
	return p.WriteFile(ctx, path, f, opt)
}
