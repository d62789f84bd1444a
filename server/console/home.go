package console

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/health"
	"github.com/hearth-home/hearth/server/pool"
)

type homeData struct {
	Health  schema.Health
	PCs     []computerRow // every PC the viewer may see: those that back up or report
	Storage *storageChart // administrators only
	Problem string        // the storage could not be read
}

// storageChart is the pool's space as Windows Home Server drew it: what each share
// holds, the PCs' backups, the second copies duplication keeps, what is not Hearth's,
// and what is free.
type storageChart struct {
	Total  uint64
	Parts  []chartPart
	Drives int
}

type chartPart struct {
	Name  string
	Bytes int64
	Class string // the colour, from the style sheet
	X, W  string // where its bar starts and how wide it is, in percent
}

// viewer is the signed-in person as the health monitor words things for them.
func viewer(pr auth.Principal) health.Viewer {
	return health.Viewer{Name: pr.Name, Admin: pr.Admin, Reads: func(share string) bool { return pr.Level(share) >= auth.Read }}
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	pr, _ := auth.PrincipalOf(r.Context())
	d := homeData{Health: c.opt.Monitor.Health(viewer(pr))}
	pcs, err := c.pcs(r)
	if err != nil {
		c.opt.Log.Warn("listing the computers failed", "err", err)
		d.Problem = "The server could not read the computers' backups just now."
	}
	d.PCs = pcs
	if pr.Admin {
		chart, err := c.chart(r)
		if err != nil {
			c.opt.Log.Warn("the storage chart could not be read", "err", err)
			d.Problem = "The server could not read how its space is used just now."
		}
		d.Storage = chart
	}
	c.render(w, r, "home", "Home", d)
}

func (c *Console) chart(r *http.Request) (*storageChart, error) {
	ctx := r.Context()
	drives, err := c.opt.Service.Drives(ctx)
	if err != nil {
		return nil, err
	}
	shares, err := c.opt.Service.Shares(ctx)
	if err != nil {
		return nil, err
	}
	ch := &storageChart{}
	var onDrives, used int64
	for _, d := range drives {
		ch.Total += d.Total
		onDrives += d.Bytes
		used += int64(d.Total - d.Free)
		ch.Drives++
	}
	slices.SortFunc(shares, func(a, b pool.ShareInfo) int { return cmp.Compare(b.Bytes, a.Bytes) })
	var once, backups, others int64
	colours := []string{"c1", "c2", "c3", "c4", "c5", "c6"}
	for _, s := range shares {
		once += s.Bytes
		switch {
		case s.Name == backupstore.Share:
			backups = s.Bytes
		case len(ch.Parts) < len(colours) && s.Bytes > 0:
			ch.Parts = append(ch.Parts, chartPart{Name: s.Name, Bytes: s.Bytes, Class: colours[len(ch.Parts)]})
		default:
			others += s.Bytes
		}
	}
	if others > 0 {
		ch.Parts = append(ch.Parts, chartPart{Name: "Other shared folders", Bytes: others, Class: "c7"})
	}
	ch.Parts = append(ch.Parts,
		chartPart{Name: "Computer backups", Bytes: backups, Class: "backups"},
		chartPart{Name: "Duplication (second copies)", Bytes: max(0, onDrives-once), Class: "dup"},
		chartPart{Name: "Not Hearth's (other files, file system)", Bytes: max(0, used-onDrives), Class: "sys"},
		chartPart{Name: "Free", Bytes: max(0, int64(ch.Total)-used), Class: "free"})
	var x float64
	for i := range ch.Parts {
		w := 0.0
		if ch.Total > 0 {
			w = 100 * float64(ch.Parts[i].Bytes) / float64(ch.Total)
		}
		ch.Parts[i].X, ch.Parts[i].W = fmt.Sprintf("%.3f%%", x), fmt.Sprintf("%.3f%%", w)
		x += w
	}
	return ch, nil
}
