package thumbs

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/dhowden/tag"

	"github.com/hearth-home/hearth/server/pool"
)

// embeddedKind names the thumbnails of music's embedded art in the cache.
const embeddedKind = "\x00embedded"

// Tagged reports whether a file's name is that of music whose embedded art is read (the
// kinds github.com/dhowden/tag reads pictures of).
func Tagged(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".mp3", ".flac", ".m4a":
		return true
	}
	return false
}

// Embedded returns the thumbnail (a JPEG) of the art embedded in the music fi (an ID3v2
// APIC frame, FLAC's PICTURE block, MP4's covr), read through the pool. Music without
// returns ErrNone, remembered until the file changes.
func (c *Cache) Embedded(ctx context.Context, fi pool.FileInfo) ([]byte, error) {
	if fi.Dir || !Tagged(fi.Name) {
		return nil, fmt.Errorf("%s: not tagged music", fi.Path)
	}
	return c.get(ctx, fi, embeddedKind, func(ctx context.Context) (data []byte, err error) {
		f, err := c.pool.Open(ctx, fi.Path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		defer func() { // a damaged tag must not take the server down
			if p := recover(); p != nil {
				data, err = nil, fmt.Errorf("the tags of %s: %v: %w", fi.Path, p, ErrNone)
			}
		}()
		m, err := tag.ReadFrom(f)
		if err != nil {
			return nil, fmt.Errorf("the tags of %s: %w: %w", fi.Path, ErrNone, err)
		}
		pic := m.Picture()
		if pic == nil || len(pic.Data) == 0 {
			return nil, fmt.Errorf("%s: %w", fi.Path, ErrNone)
		}
		data, err = thumbnail(bytes.NewReader(pic.Data))
		if err != nil {
			return nil, fmt.Errorf("the art of %s: %w: %w", fi.Path, ErrNone, err)
		}
		return data, nil
	})
}

// EmbeddedKnown says, from the cache alone, whether the music fi has embedded art:
// known is false when it was never looked at.
func (c *Cache) EmbeddedKnown(fi pool.FileInfo) (has, known bool) {
	st, err := os.Stat(c.file(fi, embeddedKind))
	if err != nil {
		return false, false
	}
	return st.Size() > 0, true
}
