package app

import (
	"context"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/console"
	"github.com/hearth-home/hearth/server/web"
)

// DefaultConnectors is where the server's package puts the connector's installers.
const DefaultConnectors = "/usr/share/hearth/connector"

// console is the web console's pages, over the same service the hearthd commands use.
func (a *App) console(ctx context.Context, sessions *web.Sessions) *console.Console {
	return console.New(console.Options{
		Service: a.local(), Monitor: a.Health, Backups: a.Backups, Sessions: sessions,
		Connectors: a.opt.Connectors, Log: a.log,
		Events: func(ctx context.Context, kind string, limit int) (out []catalog.Event, err error) {
			err = a.cat.View(ctx, func(tx *catalog.Tx) error { out, err = tx.Events(ctx, kind, limit); return err })
			return out, err
		},
		Record: func(ctx context.Context, e catalog.Event) {
			if err := a.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.AddEvent(ctx, e) }); err != nil {
				a.log.Warn("could not record an event", "err", err)
			}
		},
	})
}
