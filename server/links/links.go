// Package links is the family's sharing links: a file or folder of a share opened, or a
// folder added to, by someone without an account, through an address with an unguessable
// token (/s/<token>/). A link is read-only (open, download, a folder as a zip) or
// upload-only (add files, never see or replace any). It may have a password and an
// expiry; it works only while its owner may still do what it allows; every use is
// recorded in the event log. Wrong tokens and wrong passwords go through the sign-in
// guard, as wrong passwords do.
package links

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// Errors a caller decides on.
var (
	ErrNoLink    = errors.New("no such link")
	ErrBadKind   = errors.New(`a link is "read" or "upload"`)
	ErrNoAccess  = errors.New("you may not share that")
	ErrNotFolder = errors.New("an upload link is to a folder")
	ErrBadExpiry = errors.New("a link's expiry is in the future")
	ErrBadLimits = errors.New("a link's limits are not negative")
)

// Defaults for an upload link's limits when its maker gives none: enough for a
// holiday's photos, not enough to fill the drives by surprise.
const (
	DefaultMaxFiles = 1000
	DefaultMaxBytes = 20 << 30
)

// tokenPrefix marks a link's token; 32 random bytes follow (256 bits).
const tokenPrefix = "hsl_"

// Options wire the service.
type Options struct {
	Catalog  *catalog.Catalog
	Pool     *pool.Pool
	Accounts *auth.Accounts // the owners' access, and the links' password hashes
	Guard    *auth.Guard    // wrong tokens and passwords count here
	Log      *slog.Logger
	Now      func() time.Time // nil: time.Now
}

// Service makes, lists and revokes links, and serves them (ServeHTTP).
type Service struct {
	opt Options
	// key signs the cookie that says a browser gave a link's password; made at start,
	// so a restart asks for passwords again.
	key  []byte
	seen *coalescer
	// quota keeps upload links' limits for senders at the same time (quota.go).
	quota *quota
}

// New returns the service.
func New(opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	return &Service{opt: opt, key: []byte(rand.Text() + rand.Text()), seen: newCoalescer(10 * time.Minute), quota: newQuota()}
}

// NewLink is what a link is made of.
type NewLink struct {
	Path     string // "Share/folder" or "Share/folder/file"
	Kind     string // catalog.LinkRead or catalog.LinkUpload
	Password string // "" for none
	Expires  time.Time
	// For an upload link: at most this many files and bytes (0: the defaults).
	MaxFiles, MaxBytes int64
}

// Link is a link as its owner and administrators see it (never its token, which only
// its maker is shown, once).
type Link struct {
	ID       string
	Owner    string
	Path     string
	Kind     string
	Password bool
	Expires  time.Time // zero: never
	Created  time.Time
	MaxFiles int64
	MaxBytes int64
	Files    int64
	Bytes    int64
}

func fromRow(l catalog.Link) Link {
	return Link{ID: l.ID, Owner: l.Owner, Path: l.Path, Kind: l.Kind, Password: l.Hash != "", Expires: l.Expires,
		Created: l.Created, MaxFiles: l.MaxFiles, MaxBytes: l.MaxBytes, Files: l.Files, Bytes: l.Bytes}
}

func digest(token string) []byte {
	d := sha256.Sum256([]byte(token))
	return d[:]
}

// Create makes a link as pr, who must have read access to the share for a read-only
// link and full access for an upload link. It returns the link and its token, the only
// time the token exists outside the address given out.
func (s *Service) Create(ctx context.Context, pr auth.Principal, n NewLink) (Link, string, error) {
	p, err := safepath.Clean(n.Path)
	if err != nil {
		return Link{}, "", err
	}
	need := auth.Read
	switch n.Kind {
	case catalog.LinkRead:
	case catalog.LinkUpload:
		need = auth.Full
	default:
		return Link{}, "", ErrBadKind
	}
	if pr.Level == nil || pr.Level(shareOf(p)) < need {
		return Link{}, "", ErrNoAccess
	}
	now := s.opt.Now()
	if !n.Expires.IsZero() && !n.Expires.After(now) {
		return Link{}, "", ErrBadExpiry
	}
	if n.MaxFiles < 0 || n.MaxBytes < 0 {
		return Link{}, "", ErrBadLimits
	}
	fi, err := s.opt.Pool.Stat(ctx, p)
	if err != nil {
		return Link{}, "", err
	}
	row := catalog.Link{Owner: pr.Name, Path: fi.Path, Kind: n.Kind, Expires: n.Expires, Created: now}
	if n.Kind == catalog.LinkUpload {
		if !fi.Dir {
			return Link{}, "", ErrNotFolder
		}
		row.MaxFiles, row.MaxBytes = orDefault(n.MaxFiles, DefaultMaxFiles), orDefault(n.MaxBytes, DefaultMaxBytes)
	}
	if n.Password != "" {
		if row.Hash, err = s.opt.Accounts.HashSecret(n.Password); err != nil {
			return Link{}, "", err
		}
	}
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand)
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	id := make([]byte, 8)
	rand.Read(id)
	row.ID, row.Digest = hex.EncodeToString(id), digest(token)
	err = s.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error {
		if err := tx.AddLink(ctx, row); err != nil {
			return err
		}
		return tx.AddEvent(ctx, catalog.Event{At: now, Kind: "link", Source: pr.Name,
			Text: fmt.Sprintf("%s made a %s link to %s.", pr.Name, kindWords(row.Kind), row.Path)})
	})
	if err != nil {
		return Link{}, "", err
	}
	return fromRow(row), token, nil
}

func orDefault(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

func kindWords(kind string) string {
	if kind == catalog.LinkUpload {
		return "upload-only"
	}
	return "read-only"
}

// List returns pr's links, or everyone's for an administrator, newest first.
func (s *Service) List(ctx context.Context, pr auth.Principal) ([]Link, error) {
	owner := pr.Name
	if pr.Admin {
		owner = ""
	}
	var rows []catalog.Link
	err := s.opt.Catalog.View(ctx, func(tx *catalog.Tx) (err error) {
		rows, err = tx.Links(ctx, owner)
		return err
	})
	out := make([]Link, len(rows))
	for i, l := range rows {
		out[i] = fromRow(l)
	}
	return out, err
}

// Revoke ends a link at once: its owner's, or any for an administrator.
func (s *Service) Revoke(ctx context.Context, pr auth.Principal, id string) error {
	return s.opt.Catalog.Update(ctx, func(tx *catalog.Tx) error {
		l, err := tx.Link(ctx, id)
		if errors.Is(err, catalog.ErrNotFound) || (err == nil && (!l.Revoked.IsZero() || !pr.Admin && !strings.EqualFold(l.Owner, pr.Name))) {
			return ErrNoLink // someone else's link is no business of the caller's, not even its existence
		}
		if err != nil {
			return err
		}
		now := s.opt.Now()
		if err := tx.RevokeLink(ctx, id, now, now.Add(-keepRevoked)); err != nil {
			return err
		}
		return tx.AddEvent(ctx, catalog.Event{At: now, Kind: "link", Source: pr.Name,
			Text: fmt.Sprintf("%s took back %s's %s link to %s.", pr.Name, l.Owner, kindWords(l.Kind), l.Path)})
	})
}

// keepRevoked is how long a revoked link is remembered, so that its visitors are told it
// was taken back (and not counted by the guard as guessing).
const keepRevoked = 90 * 24 * time.Hour

// usable reports whether a link still works now: not revoked nor expired, and its owner (who still
// exists: a removed user's links went with them) may still do what it allows.
func (s *Service) usable(ctx context.Context, l catalog.Link) (bool, error) {
	if !l.Revoked.IsZero() || !l.Expires.IsZero() && !s.opt.Now().Before(l.Expires) {
		return false, nil
	}
	if _, err := s.opt.Accounts.Lookup(ctx, l.Owner); errors.Is(err, auth.ErrNoUser) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	access, err := s.opt.Accounts.Access(ctx)
	if err != nil {
		return false, err
	}
	need := auth.Read
	if l.Kind == catalog.LinkUpload {
		need = auth.Full
	}
	return access.Of(shareOf(l.Path), l.Owner) >= need, nil
}

func shareOf(p string) string {
	share, _, _ := strings.Cut(p, "/")
	return share
}
