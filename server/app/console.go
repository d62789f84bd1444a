package app

import (
	"cmp"
	"context"
	"strings"

	"github.com/hearth-home/hearth/server/admin"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/console"
	"github.com/hearth-home/hearth/server/links"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/web"
)

// DefaultConnectors is where the server's package puts the connector's installers.
const DefaultConnectors = "/usr/share/hearth/connector"

// console is the web console's pages, over the same service the hearthd commands use.
func (a *App) console(ctx context.Context, sessions *web.Sessions, lk *links.Service, jc *auth.JoinCodes) *console.Console {
	return console.New(console.Options{
		Service: a.local(), Pool: a.Pool, Monitor: a.Health, Backups: a.Backups, Sessions: sessions,
		Connectors: a.opt.Connectors, Thumbs: paths.Thumbs(a.opt.StateDir), Log: a.log, Links: lk, JoinCodes: jc,
		Events: func(ctx context.Context, kind string, limit int) (out []catalog.Event, err error) {
			err = a.cat.View(ctx, func(tx *catalog.Tx) error { out, err = tx.Events(ctx, kind, limit); return err })
			return out, err
		},
		Record: a.addEvent,
	})
}

func (a *App) addEvent(ctx context.Context, e catalog.Event) {
	if err := a.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.AddEvent(ctx, e) }); err != nil {
		a.log.Warn("could not record an event", "kind", e.Kind, "err", err)
	}
}

// jobEnded records a scrub, repair or drive removal that ended in the event log, in the
// words of its result.
func (a *App) jobEnded(j admin.Job) {
	text := j.Result
	if j.State == admin.JobFailed {
		text = "It stopped before the end. " + text
	}
	what := map[admin.JobKind]string{admin.JobScrub: "Check of every copy", admin.JobRepair: "Repair", admin.JobRemoveDrive: "Removal of " + j.Subject}[j.Kind]
	a.addEvent(context.Background(), catalog.Event{At: j.Finished, Kind: admin.JobEventKind, Source: cmp.Or(what, string(j.Kind)), Text: strings.TrimSpace(text)})
}
