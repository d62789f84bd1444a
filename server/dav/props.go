package dav

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"golang.org/x/net/webdav"
)

// propStore keeps dead properties in the catalog.
type propStore struct{ cat *catalog.Catalog }

func (s *propStore) get(ctx context.Context, p string) ([]catalog.Prop, error) {
	var out []catalog.Prop
	err := s.cat.View(ctx, func(tx *catalog.Tx) (err error) {
		out, err = tx.Props(ctx, p)
		return err
	})
	return out, err
}

func (s *propStore) move(ctx context.Context, from, to string) error {
	return s.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.MoveProps(ctx, from, to) })
}

func (s *propStore) deleteAll(ctx context.Context, p string) error {
	return s.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.DeleteProps(ctx, p) })
}

// Limits on the dead properties (PROPPATCH) the catalog keeps, on the server's system disk
// and outside any share's space. A property (name and value) holds up to 64 KiB, and one
// user's properties up to 4 MiB in all, counted for whoever set each last. Clients set
// small ones (cadaver's and Office's are a few dozen bytes). Not counted: the four Win32
// times and attributes Windows Explorer sets on every file it uploads, when small; a file
// has at most those four, as small as its own row in the catalog, so they grow only with
// the files.
const (
	maxPropPatchBody = 256 << 10
	maxPropBytes     = 64 << 10
	maxPropsPerUser  = 4 << 20
)

var errPropsFull = errors.New("the user's properties are full")

// The Microsoft namespace of the Win32 times Explorer sets on the files it uploads.
const msNS = "urn:schemas-microsoft-com:"

var (
	quotaAvail = xml.Name{Space: "DAV:", Local: "quota-available-bytes"}
	quotaUsed  = xml.Name{Space: "DAV:", Local: "quota-used-bytes"}
	win32MTime = xml.Name{Space: msNS, Local: "Win32LastModifiedTime"}
)

// propSize is what a property weighs: its name, language and value.
func propSize(p webdav.Property) int64 {
	return int64(len(p.XMLName.Space) + len(p.XMLName.Local) + len(p.Lang) + len(p.InnerXML))
}

// counted is what a property counts against its user's limit (see maxPropsPerUser).
func counted(p webdav.Property) int64 {
	if p.XMLName.Space == msNS && len(p.InnerXML) <= 64 {
		switch p.XMLName.Local {
		case "Win32CreationTime", "Win32LastAccessTime", "Win32LastModifiedTime", "Win32FileAttributes":
			return 0
		}
	}
	return propSize(p)
}

// propHolder gives an open file or folder its dead properties (webdav.DeadPropsHolder):
// the engine uses it to copy them with a COPY and to change them with PROPPATCH.
type propHolder struct {
	fs   *poolFS
	ctx  context.Context
	path string
	dir  bool
}

func (h *propHolder) DeadProps() (map[xml.Name]webdav.Property, error) {
	out := map[xml.Name]webdav.Property{}
	if h.path != "" {
		ps, err := h.fs.props.get(h.ctx, h.path)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			n := xml.Name{Space: p.Space, Local: p.Local}
			out[n] = webdav.Property{XMLName: n, Lang: p.Lang, InnerXML: p.InnerXML}
		}
	}
	return out, nil
}

// Patch applies all changes in one transaction or none. The quota properties are
// computed and cannot be set. A Win32LastModifiedTime also sets the file's time.
func (h *propHolder) Patch(patches []webdav.Proppatch) ([]webdav.Propstat, error) {
	ok := webdav.Propstat{Status: http.StatusOK}
	refused := webdav.Propstat{Status: http.StatusForbidden}
	tooBig := webdav.Propstat{Status: webdav.StatusInsufficientStorage,
		ResponseDescription: fmt.Sprintf("A property may hold at most %d KiB; nothing was changed.", maxPropBytes>>10)}
	for _, pp := range patches {
		for _, p := range pp.Props {
			switch {
			case p.XMLName == quotaAvail || p.XMLName == quotaUsed:
				refused.Props = append(refused.Props, webdav.Property{XMLName: p.XMLName})
			case !pp.Remove && propSize(p) > maxPropBytes:
				tooBig.Props = append(tooBig.Props, webdav.Property{XMLName: p.XMLName})
			default:
				ok.Props = append(ok.Props, webdav.Property{XMLName: p.XMLName})
			}
		}
	}
	if len(refused.Props)+len(tooBig.Props) > 0 {
		out := []webdav.Propstat{}
		for _, ps := range []webdav.Propstat{refused, tooBig} {
			if len(ps.Props) > 0 {
				out = append(out, ps)
			}
		}
		if len(ok.Props) > 0 {
			out = append(out, webdav.Propstat{Status: webdav.StatusFailedDependency, Props: ok.Props})
		}
		return out, nil
	}
	pr, _ := auth.PrincipalOf(h.ctx)
	var mtime time.Time
	err := h.fs.props.cat.Update(h.ctx, func(tx *catalog.Tx) error {
		grows := false
		for _, pp := range patches {
			for _, p := range pp.Props {
				var err error
				if pp.Remove {
					err = tx.RemoveProp(h.ctx, h.path, p.XMLName.Space, p.XMLName.Local)
				} else {
					n := counted(p)
					grows = grows || n > 0
					err = tx.SetProp(h.ctx, h.path, catalog.Prop{Space: p.XMLName.Space, Local: p.XMLName.Local, Lang: p.Lang, InnerXML: p.InnerXML,
						Principal: pr.Name, Bytes: n})
					if p.XMLName == win32MTime {
						mtime, _ = http.ParseTime(string(p.InnerXML))
					}
				}
				if err != nil {
					return err
				}
			}
		}
		if !grows {
			return nil
		}
		// Counted after the change, inside it: replaced and removed values are gone.
		total, err := tx.PropBytes(h.ctx, pr.Name)
		if err == nil && total > maxPropsPerUser {
			err = errPropsFull
		}
		return err
	})
	if errors.Is(err, errPropsFull) {
		return []webdav.Propstat{{Status: webdav.StatusInsufficientStorage, Props: ok.Props, ResponseDescription: fmt.Sprintf(
			"Your properties on this server's files already fill the %d MiB it keeps for each person; remove some, then try again. Nothing was changed.", maxPropsPerUser>>20)}}, nil
	}
	if err != nil {
		return nil, err
	}
	if !mtime.IsZero() {
		if err := h.fs.pool.Chtimes(h.ctx, h.path, mtime); err != nil {
			return nil, err
		}
	}
	return []webdav.Propstat{ok}, nil
}

// quota answers the RFC 4331 properties from the pool's free space, which it reads at
// most every few seconds: a PROPFIND asks it for every folder it lists.
type quota struct {
	pool *pool.Pool
	mu   sync.Mutex
	at   time.Time
	free int64
	used map[string]int64
	want map[string]int
}

type quotaOf struct{ avail, used int64 }

func (q *quota) of(ctx context.Context, p string) (quotaOf, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if time.Since(q.at) > 5*time.Second {
		st, err := q.pool.Status(ctx)
		if err != nil {
			return quotaOf{}, false
		}
		shares, err := q.pool.Shares(ctx)
		if err != nil {
			return quotaOf{}, false
		}
		q.free, q.used, q.want = int64(st.Free), map[string]int64{}, map[string]int{}
		for _, s := range shares {
			q.used[s.Name], q.want[s.Name] = s.Bytes, s.Wanted
		}
		q.at = time.Now()
	}
	share, _, _ := cutShare(p)
	if share == "" {
		return quotaOf{avail: q.free, used: 0}, true
	}
	// A duplicated share fills the pool twice as fast.
	return quotaOf{avail: q.free / int64(max(q.want[share], 1)), used: q.used[share]}, true
}
