// Package thumbs makes thumbnails of pictures in pure Go and caches them on the system
// disk (never on the shares, which are the family's), each named by the file's path and
// content, so a changed picture gets a new one. The cache is kept under a size. The web
// console's grid and the TVs' listings use it.
package thumbs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	_ "image/gif" // decoders for the pictures a family keeps
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/hearth-home/hearth/internal/atomicfile"
	"github.com/hearth-home/hearth/server/pool"
)

const (
	// Size is a thumbnail's longer side, in pixels.
	Size     = 256
	cacheMax = 256 << 20
	// maxDecoded bounds the memory a picture takes while its thumbnail is made: a
	// 48-megapixel photo at 8 bits a channel, half that at 16.
	maxDecoded = 192 << 20
)

// Opener reads the pool's files (verified).
type Opener interface {
	Open(ctx context.Context, path string) (*pool.File, error)
}

// Cache makes and keeps thumbnails.
type Cache struct {
	dir     string
	pool    Opener
	log     *slog.Logger
	slots   chan struct{}             // thumbnails made at once
	trimmed atomic.Pointer[time.Time] // when the cache was last trimmed
}

// New is a cache in dir; at most `at once` thumbnails are made at a time (a small box
// must not stutter, whatever is asked of it).
func New(dir string, p Opener, atOnce int, log *slog.Logger) *Cache {
	return &Cache{dir: dir, pool: p, log: log, slots: make(chan struct{}, max(1, atOnce))}
}

// Able reports whether a file's name is that of a picture thumbnails are made of.
func Able(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp":
		return true
	}
	return false
}

// ErrNone is returned for a file that has no thumbnail (a video no frame could be taken
// of): remembered, so it is not tried again until the file changes.
var ErrNone = errors.New("no thumbnail")

// Get returns the thumbnail (a JPEG) of the picture fi, making it first when it is not
// cached.
func (c *Cache) Get(ctx context.Context, fi pool.FileInfo) ([]byte, error) {
	if fi.Dir || !Able(fi.Name) {
		return nil, fmt.Errorf("%s: not a picture", fi.Path)
	}
	return c.get(ctx, fi, "", func(ctx context.Context) ([]byte, error) {
		f, err := c.pool.Open(ctx, fi.Path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return thumbnail(f)
	})
}

// get returns the thumbnail of kind ("": the picture itself) of the file fi from the
// cache, or makes it (one of the slots) and keeps it. A make that fails with ErrNone is
// remembered as an empty file.
func (c *Cache) get(ctx context.Context, fi pool.FileInfo, kind string, produce func(context.Context) ([]byte, error)) ([]byte, error) {
	file := c.file(fi, kind)
	if data, err := os.ReadFile(file); err == nil {
		if len(data) == 0 {
			return nil, fmt.Errorf("%s: %w", fi.Path, ErrNone)
		}
		return data, nil
	}
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	data, err := produce(ctx)
	if err != nil && !errors.Is(err, ErrNone) {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err == nil {
		if err := atomicfile.Write(file, data, 0o600); err != nil {
			c.log.Debug("a thumbnail could not be cached", "err", err)
		}
		c.trim()
	}
	return data, err
}

// file is where the thumbnail of kind of the file fi is cached: named by its path and
// content, so a changed file gets a new one.
func (c *Cache) file(fi pool.FileInfo, kind string) string {
	sum := sha256.Sum256([]byte(fi.Path + "\x00" + fi.Hash + kind))
	key := hex.EncodeToString(sum[:16])
	return filepath.Join(c.dir, key[:2], key+".jpg")
}

// thumbnail scales the picture r holds down to Size on its longer side, as a JPEG.
func thumbnail(r io.ReadSeeker) ([]byte, error) {
	cfg, _, err := image.DecodeConfig(r)
	if err != nil {
		return nil, err
	}
	perPixel := 4
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model:
		perPixel = 8
	case color.Gray16Model:
		perPixel = 2
	}
	if int64(cfg.Width)*int64(cfg.Height)*int64(perPixel) > maxDecoded {
		return nil, fmt.Errorf("%dx%d is too large for a thumbnail", cfg.Width, cfg.Height)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	src, _, err := image.Decode(r)
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	scale := min(1, float64(Size)/float64(max(b.Dx(), b.Dy())))
	dst := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// trim keeps the cache under its size, letting the oldest thumbnails go. It looks at
// most once a minute.
func (c *Cache) trim() {
	now := time.Now()
	if last := c.trimmed.Load(); last != nil && now.Sub(*last) < time.Minute {
		return
	}
	c.trimmed.Store(&now)
	type entry struct {
		path string
		size int64
		at   time.Time
	}
	var all []entry
	var total int64
	filepath.WalkDir(c.dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				all = append(all, entry{p, info.Size(), info.ModTime()})
				total += info.Size()
			}
		}
		return nil
	})
	slices.SortFunc(all, func(a, b entry) int { return a.at.Compare(b.at) })
	for _, e := range all {
		if total <= cacheMax {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
}
