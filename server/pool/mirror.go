package pool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/catalog"
)

// mirror is the pool configuration every drive carries in .hearth/pool.json, so the pool
// can be rebuilt from any of its drives. The newest (highest Seq) wins.
type mirror struct {
	Format      int           `json:"format"`
	PoolID      string        `json:"pool_id"`
	Seq         uint64        `json:"seq"`
	GenReserved uint64        `json:"gen_reserved"`
	Shares      []mirrorShare `json:"shares"`
	Drives      []mirrorDrive `json:"drives"`
	// Forgotten names drives removed while missing (id to label): if one comes back,
	// its files are out of date and it must not rejoin by itself.
	Forgotten map[string]string `json:"forgotten,omitempty"`
	// People are the users (with their password hashes), their devices' tokens (as
	// digests) and their access to the shares. Absent in mirrors written before they
	// were kept here.
	People *mirrorPeople `json:"people,omitempty"`
}

type mirrorPeople struct {
	Users  []mirrorUser   `json:"users"`
	Tokens []mirrorToken  `json:"tokens"`
	Access []mirrorAccess `json:"access"`
}

type mirrorUser struct {
	Name    string    `json:"name"`
	Admin   bool      `json:"admin,omitempty"`
	Hash    string    `json:"hash"` // the password's argon2id hash, as the catalog keeps it
	Created time.Time `json:"created"`
	Changed time.Time `json:"changed"`
}

type mirrorToken struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Digest  []byte    `json:"digest"` // SHA-256 of the token; the token itself is kept nowhere
	Label   string    `json:"label"`
	Created time.Time `json:"created"`
	// PC is the PC the token acts for. Absent in mirrors written before tokens were
	// bound to a PC: such a token is bound once the index is rebuilt, as the catalog's
	// migration binds one (catalog.Tx.BindTokensByLabel).
	PC *string `json:"pc,omitempty"`
}

type mirrorAccess struct {
	Share string `json:"share"`
	User  string `json:"user"`
	Level string `json:"level"`
}

func peopleToMirror(p catalog.People) *mirrorPeople {
	m := &mirrorPeople{Users: []mirrorUser{}, Tokens: []mirrorToken{}, Access: []mirrorAccess{}}
	for _, u := range p.Users {
		m.Users = append(m.Users, mirrorUser{Name: u.Name, Admin: u.Admin, Hash: u.Hash, Created: u.Created, Changed: u.Changed})
	}
	for _, t := range p.Tokens {
		m.Tokens = append(m.Tokens, mirrorToken{ID: t.ID, User: t.User, Digest: t.Digest, Label: t.Label, Created: t.Created, PC: &t.PC})
	}
	for _, a := range p.Access {
		m.Access = append(m.Access, mirrorAccess{Share: a.Share, User: a.User, Level: a.Level})
	}
	sort.Slice(m.Access, func(i, j int) bool {
		return m.Access[i].Share+"\x00"+m.Access[i].User < m.Access[j].Share+"\x00"+m.Access[j].User
	})
	return m
}

// catalog returns the people of a mirror, and the ids of the tokens it has from before
// tokens were bound to a PC: those act for no PC until BindTokensByLabel has looked at the
// rebuilt index (a label names a PC only if one showed itself under it: "phone" does not).
func (m *mirrorPeople) catalog() (p catalog.People, unbound []string) {
	if m == nil {
		return p, nil
	}
	for _, u := range m.Users {
		p.Users = append(p.Users, catalog.User{Name: u.Name, Admin: u.Admin, Hash: u.Hash, Created: u.Created, Changed: u.Changed})
	}
	for _, t := range m.Tokens {
		pc := ""
		if t.PC != nil {
			pc = *t.PC
		} else {
			unbound = append(unbound, t.ID)
		}
		p.Tokens = append(p.Tokens, catalog.Token{ID: t.ID, User: t.User, Digest: t.Digest, Label: t.Label, Created: t.Created, PC: pc})
	}
	for _, a := range m.Access {
		p.Access = append(p.Access, catalog.AccessRow{Share: a.Share, User: a.User, Level: a.Level})
	}
	return p, unbound
}

type mirrorShare struct {
	Name        string    `json:"name"`
	Copies      int       `json:"copies"`
	Description string    `json:"description,omitempty"`
	Created     time.Time `json:"created"`
	// Removed is set for a removed share (kept to be restored), with the access its users
	// had: a rebuild brings it back removed, neither live nor lost.
	Removed       *time.Time        `json:"removed,omitempty"`
	RemovedAccess map[string]string `json:"removed_access,omitempty"`
	// Media: the share is streamed to the TVs. Absent in mirrors written before shares
	// could be: a rebuild then streams the family's Music, Pictures and Videos, as the
	// catalog's migration does, and nothing else.
	Media *bool `json:"media,omitempty"`
}

func (s mirrorShare) catalog() catalog.Share {
	out := catalog.Share{Name: s.Name, Copies: s.Copies, Description: s.Description, Created: s.Created, RemovedAccess: s.RemovedAccess}
	if s.Media != nil {
		out.Media = *s.Media
	} else {
		out.Media = s.Name == "Music" || s.Name == "Pictures" || s.Name == "Videos"
	}
	if s.Removed != nil {
		out.Removed = *s.Removed
	}
	return out
}

type mirrorDrive struct {
	ID    string    `json:"id"`
	Path  string    `json:"path"`
	Label string    `json:"label"`
	Added time.Time `json:"added"`
}

const mirrorFormat = 1

func parseMirror(b []byte) (mirror, error) {
	var m mirror
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read pool configuration: %w", err)
	}
	if m.Format != mirrorFormat || m.PoolID == "" {
		return m, fmt.Errorf("read pool configuration: format %d is not one this version understands", m.Format)
	}
	return m, nil
}

// writeMirrors writes the current configuration to every present drive. It fails only
// when no drive could take it (then nothing durable outside the catalog knows it).
func (p *Pool) writeMirrors(ctx context.Context) error {
	p.gen.mu.Lock()
	defer p.gen.mu.Unlock()
	return p.writeMirrorsLocked(ctx)
}

// writeMirrorsLocked is writeMirrors for a caller holding p.gen.mu. A stop does not cut
// it short: the change it records is in the catalog already, and drives left with the
// configuration before it would bring that back in a rebuild (a purged share, say);
// each drive's write has its own time limit.
func (p *Pool) writeMirrorsLocked(ctx context.Context) error {
	ctx = context.WithoutCancel(ctx)
	var m mirror
	err := p.cat.Update(ctx, func(tx *catalog.Tx) error {
		seq, err := tx.MetaUint(ctx, metaSeq)
		if err != nil {
			return err
		}
		m, err = p.buildMirror(ctx, tx, seq+1)
		if err != nil {
			return err
		}
		return tx.SetMetaUint(ctx, metaSeq, seq+1)
	})
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(m, "", "  ")
	b = append(b, '\n')
	var vs []view
	for _, v := range p.views() {
		if v.present() {
			vs = append(vs, v)
		}
	}
	var errs []error
	wrote := 0
	for i, err := range p.onDrives(ctx, vs, 3*p.opt.DriveTimeout, func(v view) error { return v.d.WriteConfig(ctx, b) }) {
		if err != nil {
			errs = append(errs, fmt.Errorf("drive %s: %w", vs[i].rec.Label, p.noteErr(ctx, vs[i], err)))
			continue
		}
		wrote++
	}
	if len(errs) > 0 {
		p.log.Warn("could not write the pool configuration to every drive", "err", errors.Join(errs...))
		if wrote == 0 {
			return fmt.Errorf("write pool configuration: %w", errors.Join(errs...))
		}
	}
	return nil
}

func (p *Pool) buildMirror(ctx context.Context, tx *catalog.Tx, seq uint64) (mirror, error) {
	m := mirror{Format: mirrorFormat, PoolID: p.id, Seq: seq, GenReserved: p.gen.reserved}
	shares, err := tx.Shares(ctx)
	if err != nil {
		return m, err
	}
	for _, s := range shares {
		ms := mirrorShare{Name: s.Name, Copies: s.Copies, Description: s.Description, Created: s.Created, Media: &s.Media}
		if !s.Removed.IsZero() {
			removed := s.Removed
			ms.Removed, ms.RemovedAccess = &removed, s.RemovedAccess
		}
		m.Shares = append(m.Shares, ms)
	}
	drives, err := tx.Drives(ctx)
	if err != nil {
		return m, err
	}
	for _, d := range drives {
		m.Drives = append(m.Drives, mirrorDrive{ID: d.ID, Path: d.Path, Label: d.Label, Added: d.Added})
	}
	forgotten, err := tx.MetaWithPrefix(ctx, metaForgotten)
	if err != nil {
		return m, err
	}
	for k, label := range forgotten {
		if m.Forgotten == nil {
			m.Forgotten = map[string]string{}
		}
		m.Forgotten[strings.TrimPrefix(k, metaForgotten)] = label
	}
	people, err := tx.People(ctx)
	m.People = peopleToMirror(people)
	return m, err
}

// SaveConfig writes the pool's configuration, with the people the catalog holds, to
// every drive. Call it after users, devices or access changed, so the drives alone can
// bring them back.
func (p *Pool) SaveConfig(ctx context.Context) error { return p.writeMirrors(ctx) }
