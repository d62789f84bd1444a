package console

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	_ "image/gif" // decoders for the pictures a family keeps
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"github.com/hearth-home/hearth/internal/atomicfile"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/webhdr"
)

// Thumbnails of pictures for the grid view: made in pure Go, cached on the system disk
// (never on the shares, which are the family's), each named by the file's path and
// content, so a changed picture gets a new one. The cache is kept under thumbCacheMax.
const (
	thumbSize     = 256
	thumbCacheMax = 256 << 20
	// maxDecoded bounds the memory a picture takes while its thumbnail is made (two are
	// made at once): a 48-megapixel photo at 8 bits a channel, half that at 16.
	maxDecoded = 192 << 20
)

func thumbable(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp":
		return true
	}
	return false
}

// thumb sends a picture's thumbnail, making it first when it is not cached.
func (c *Console) thumb(w http.ResponseWriter, r *http.Request) {
	share, rest := r.PathValue("share"), strings.Trim(r.PathValue("rest"), "/")
	p, ok := c.fileAccess(w, r, share, rest, auth.Read)
	if !ok {
		return
	}
	fi, err := c.opt.Pool.Stat(r.Context(), p)
	if err != nil || fi.Dir || !thumbable(p) || c.opt.Thumbs == "" {
		http.NotFound(w, r)
		return
	}
	sum := sha256.Sum256([]byte(p + "\x00" + fi.Hash))
	key := hex.EncodeToString(sum[:16])
	file := filepath.Join(c.opt.Thumbs, key[:2], key+".jpg")
	data, err := os.ReadFile(file)
	if err != nil {
		if data, err = c.makeThumb(r.Context(), p, file); err != nil {
			c.opt.Log.Debug("no thumbnail", "path", p, "err", err)
			http.NotFound(w, r) // the page shows the file's name instead
			return
		}
	}
	webhdr.Set(w.Header(), "thumb.jpg")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	http.ServeContent(w, r, "", fi.ModTime, bytes.NewReader(data))
}

func (c *Console) makeThumb(ctx context.Context, p, file string) ([]byte, error) {
	select { // a small box makes two at a time, whatever the page asks for
	case c.thumbSlots <- struct{}{}:
		defer func() { <-c.thumbSlots }()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f, err := c.opt.Pool.Open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cfg, _, err := image.DecodeConfig(f)
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
	if _, err := f.Seek(0, 0); err != nil {
		return nil, err
	}
	src, _, err := image.Decode(f)
	if err != nil {
		return nil, err
	}
	b := src.Bounds()
	scale := min(1, float64(thumbSize)/float64(max(b.Dx(), b.Dy())))
	dst := image.NewRGBA(image.Rect(0, 0, max(1, int(float64(b.Dx())*scale)), max(1, int(float64(b.Dy())*scale))))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err == nil {
		if err := atomicfile.Write(file, buf.Bytes(), 0o600); err != nil {
			c.opt.Log.Debug("a thumbnail could not be cached", "err", err)
		}
		c.trimThumbs()
	}
	return buf.Bytes(), nil
}

// trimThumbs keeps the cache under its size, letting the oldest thumbnails go. It
// looks at most once a minute.
func (c *Console) trimThumbs() {
	now := time.Now()
	if last := c.thumbTrimmed.Load(); last != nil && now.Sub(*last) < time.Minute {
		return
	}
	c.thumbTrimmed.Store(&now)
	type entry struct {
		path string
		size int64
		at   time.Time
	}
	var all []entry
	var total int64
	filepath.WalkDir(c.opt.Thumbs, func(p string, d os.DirEntry, err error) error {
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
		if total <= thumbCacheMax {
			break
		}
		if os.Remove(e.path) == nil {
			total -= e.size
		}
	}
}
