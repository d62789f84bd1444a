package catalog

import (
	"context"
	"fmt"
)

// People is what the catalog knows of the family: the users, their devices' tokens and
// who may open which share. The pool mirrors it onto every drive, so a server whose
// system disk died comes back with its people from the data drives alone.
type People struct {
	Users  []User
	Tokens []Token
	Access []AccessRow
}

// AccessRow is one user's level on one share.
type AccessRow struct {
	Share, User, Level string
}

// People reads every user, token and access row.
func (tx *Tx) People(ctx context.Context) (People, error) {
	var p People
	var err error
	if p.Users, err = tx.Users(ctx); err != nil {
		return p, err
	}
	if p.Tokens, err = tx.Tokens(ctx); err != nil {
		return p, err
	}
	table, err := tx.Access(ctx)
	if err != nil {
		return p, err
	}
	for share, users := range table {
		for user, level := range users {
			p.Access = append(p.Access, AccessRow{Share: share, User: user, Level: level})
		}
	}
	return p, nil
}

// PutPeople adds (or updates) every user, token and access row of p.
func (tx *Tx) PutPeople(ctx context.Context, p People) error {
	for _, u := range p.Users {
		if err := tx.PutUser(ctx, u); err != nil {
			return err
		}
	}
	for _, t := range p.Tokens {
		_, err := tx.q.ExecContext(ctx, "INSERT OR REPLACE INTO tokens(id, user, digest, label, created_ns, pc) VALUES(?, ?, ?, ?, ?, ?)",
			t.ID, t.User, t.Digest, t.Label, timeNS(t.Created), t.PC)
		if err != nil {
			return fmt.Errorf("restore token for %s: %w", t.User, err)
		}
	}
	for _, a := range p.Access {
		if err := tx.SetAccess(ctx, a.Share, a.User, a.Level); err != nil {
			return err
		}
	}
	return nil
}
