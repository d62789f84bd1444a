package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/serverbackup"
)

// serverConfig gives the server backups the server's own configuration, and sets a new
// server up from a backup's (issue 23's disaster recovery).
type serverConfig struct{ a *App }

var _ serverbackup.Configurer = serverConfig{}

// Export reads the shares, the people (users with their password hashes, token
// digests, access) and the settings.
func (c serverConfig) Export(ctx context.Context) (serverbackup.ServerConfig, error) {
	var out serverbackup.ServerConfig
	shares, err := c.a.Pool.Shares(ctx)
	if err != nil {
		return out, err
	}
	for _, s := range shares {
		if s.Name != pool.BackupsShare {
			out.Shares = append(out.Shares, serverbackup.ConfigShare{Name: s.Name, Copies: s.Copies, Description: s.Description})
		}
	}
	var people catalog.People
	if err := c.a.cat.View(ctx, func(tx *catalog.Tx) (err error) { people, err = tx.People(ctx); return err }); err != nil {
		return out, err
	}
	for _, u := range people.Users {
		out.Users = append(out.Users, serverbackup.ConfigUser{Name: u.Name, Admin: u.Admin, Hash: u.Hash, Created: u.Created, Changed: u.Changed})
	}
	for _, t := range people.Tokens {
		out.Tokens = append(out.Tokens, serverbackup.ConfigToken{ID: t.ID, User: t.User, Digest: t.Digest, Label: t.Label, Created: t.Created, PC: t.PC})
	}
	for _, a := range people.Access {
		out.Access = append(out.Access, serverbackup.ConfigAccess{Share: a.Share, User: a.User, Level: a.Level})
	}
	if out.Settings, err = json.Marshal(c.a.Settings.Get()); err != nil {
		return out, err
	}
	return out, nil
}

// CanImport refuses a server that has users: a backup's people never replace a
// family's.
func (c serverConfig) CanImport(ctx context.Context) error {
	var n int
	err := c.a.cat.View(ctx, func(tx *catalog.Tx) error {
		us, err := tx.Users(ctx)
		n = len(us)
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		return serverbackup.ErrHasUsers
	}
	return nil
}

// Import makes the shares not here yet, takes the people and the settings, and records
// the people on the drives as any change of them is.
func (c serverConfig) Import(ctx context.Context, cfg serverbackup.ServerConfig) error {
	if err := c.CanImport(ctx); err != nil {
		return err
	}
	for _, s := range cfg.Shares {
		if _, err := c.a.Pool.CreateShare(ctx, s.Name, s.Copies, s.Description); err != nil && !errors.Is(err, pool.ErrExist) {
			return fmt.Errorf("make the shared folder %s: %w", s.Name, err)
		}
	}
	var people catalog.People
	for _, u := range cfg.Users {
		people.Users = append(people.Users, catalog.User{Name: u.Name, Admin: u.Admin, Hash: u.Hash, Created: u.Created, Changed: u.Changed})
	}
	for _, t := range cfg.Tokens {
		people.Tokens = append(people.Tokens, catalog.Token{ID: t.ID, User: t.User, Digest: t.Digest, Label: t.Label, Created: t.Created, PC: t.PC})
	}
	for _, a := range cfg.Access {
		people.Access = append(people.Access, catalog.AccessRow{Share: a.Share, User: a.User, Level: a.Level})
	}
	if err := c.a.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.PutPeople(ctx, people) }); err != nil {
		return fmt.Errorf("restore the users: %w", err)
	}
	c.a.peopleChanged(ctx)
	if len(cfg.Settings) > 0 {
		s := c.a.Settings.Get()
		if err := json.Unmarshal(cfg.Settings, &s); err == nil {
			if _, err := c.a.Settings.Set(ctx, s); err != nil {
				c.a.log.Warn("the backup's settings were not taken; the server keeps its own", "err", err)
			}
		}
	}
	return nil
}
