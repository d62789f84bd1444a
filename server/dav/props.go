package dav

import (
	"context"
	"encoding/xml"
	"net/http"
	"sync"
	"time"

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

// The Microsoft namespace of the Win32 times Explorer sets on the files it uploads.
const msNS = "urn:schemas-microsoft-com:"

var (
	quotaAvail = xml.Name{Space: "DAV:", Local: "quota-available-bytes"}
	quotaUsed  = xml.Name{Space: "DAV:", Local: "quota-used-bytes"}
	win32MTime = xml.Name{Space: msNS, Local: "Win32LastModifiedTime"}
)

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
	for _, pp := range patches {
		for _, p := range pp.Props {
			if p.XMLName == quotaAvail || p.XMLName == quotaUsed {
				refused.Props = append(refused.Props, webdav.Property{XMLName: p.XMLName})
			} else {
				ok.Props = append(ok.Props, webdav.Property{XMLName: p.XMLName})
			}
		}
	}
	if len(refused.Props) > 0 {
		dep := webdav.Propstat{Status: webdav.StatusFailedDependency, Props: ok.Props}
		return []webdav.Propstat{refused, dep}, nil
	}
	var mtime time.Time
	err := h.fs.props.cat.Update(h.ctx, func(tx *catalog.Tx) error {
		for _, pp := range patches {
			for _, p := range pp.Props {
				var err error
				if pp.Remove {
					err = tx.RemoveProp(h.ctx, h.path, p.XMLName.Space, p.XMLName.Local)
				} else {
					err = tx.SetProp(h.ctx, h.path, catalog.Prop{Space: p.XMLName.Space, Local: p.XMLName.Local, Lang: p.Lang, InnerXML: p.InnerXML})
					if p.XMLName == win32MTime {
						mtime, _ = http.ParseTime(string(p.InnerXML))
					}
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
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
