package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
)

// ServerInfo is how PCs reach the server and recognise it (in schema, so the API can
// give it without importing this package).
type ServerInfo = schema.ServerInfo

// AccessEntry is one user's level on one share.
type AccessEntry = schema.AccessEntry

// FamilyShare is a share every new server starts with, what users may do in it, and
// whether the TVs of the house are offered it (Media).
type FamilyShare struct {
	Name, Description string
	UserLevel         auth.Level
	Media             bool
}

// FamilyShares are made when the pool has no share yet, as Windows Home Server did; each
// user also gets a share of their own. Software is for installers, so users may only read it.
var FamilyShares = []FamilyShare{
	{"Documents", "Letters, school work and papers", auth.Full, false},
	{"Music", "The family's music", auth.Full, true},
	{"Pictures", "Photos and pictures", auth.Full, true},
	{"Videos", "Home videos and films", auth.Full, true},
	{"Software", "Programs and installers", auth.Read, false},
	{"Public", "For everyone in the house", auth.Full, false},
}

// ErrNameTaken: a new user's name is already a share's.
var ErrNameTaken = auth.ErrNameTaken

// EnsureFamilyShares makes the family shares when the pool has none.
func (l Local) EnsureFamilyShares(ctx context.Context) error {
	shares, err := l.userShares(ctx)
	if err != nil || len(shares) > 0 {
		return err
	}
	for _, s := range FamilyShares {
		if _, err := l.Pool.CreateShare(ctx, s.Name, 0, s.Description); err != nil && !errors.Is(err, pool.ErrExist) {
			return fmt.Errorf("make the share %s: %w", s.Name, err)
		}
		if s.Media {
			if _, err := l.Pool.SetShare(ctx, s.Name, pool.ShareSettings{Media: &s.Media}); err != nil {
				return fmt.Errorf("stream the share %s to the TVs: %w", s.Name, err)
			}
		}
	}
	return nil
}

func (l Local) Users(ctx context.Context) ([]auth.User, error) { return l.Accounts.List(ctx) }

// AddUser creates a user with a share of their own, full access to the family shares
// (read for Software), and, for an administrator, full access to every share.
func (l Local) AddUser(ctx context.Context, name, password string, admin bool) (auth.User, error) {
	shares, err := l.userShares(ctx)
	if err != nil {
		return auth.User{}, err
	}
	// The Backups share's name too, though it is made only when the first PC backs up:
	// a user of that name would own the PCs' backups as their own folder.
	if strings.EqualFold(name, backupstore.Share) {
		return auth.User{}, ErrNameTaken
	}
	for _, s := range shares {
		if strings.EqualFold(s.Name, name) {
			return auth.User{}, ErrNameTaken
		}
	}
	removed, err := l.Pool.RemovedShares(ctx)
	if err != nil {
		return auth.User{}, err
	}
	for _, s := range removed { // kept to be restored: the name is still the share's
		if strings.EqualFold(s.Name, name) {
			return auth.User{}, ErrNameTaken
		}
	}
	u, err := l.Accounts.Add(ctx, name, password, admin)
	if err != nil {
		return u, err
	}
	if _, err := l.Pool.CreateShare(ctx, u.Name, 0, u.Name+"'s own folder"); err != nil {
		return u, fmt.Errorf("user %s was added, but their own share was not: %w", u.Name, err)
	}
	if err := l.Accounts.SetAccess(ctx, u.Name, u.Name, auth.Full); err != nil {
		return u, err
	}
	for _, s := range shares {
		level := auth.None
		if i := slices.IndexFunc(FamilyShares, func(f FamilyShare) bool { return f.Name == s.Name }); i >= 0 {
			level = FamilyShares[i].UserLevel
		}
		if admin {
			level = auth.Full
		}
		if level != auth.None {
			if err := l.Accounts.SetAccess(ctx, s.Name, u.Name, level); err != nil {
				return u, err
			}
		}
	}
	return u, nil
}

// Setup creates the first administrator; it refuses once there is one.
func (l Local) Setup(ctx context.Context, name, password string) (auth.User, error) {
	has, err := l.Accounts.HasAdmin(ctx)
	if err != nil {
		return auth.User{}, err
	}
	if has {
		return auth.User{}, errors.New("Hearth is already set up; an administrator can add users with: hearthd user add NAME")
	}
	return l.AddUser(ctx, name, password, true)
}

func (l Local) SetPassword(ctx context.Context, name, password string) error {
	return l.Accounts.SetPassword(ctx, name, password)
}

// RemoveUser removes a user with their devices and their access. Their own share stays,
// with its files, as a shared folder nobody may open (administrators had no access to
// it) until an administrator gives access to it, or removes it (recoverably, RemoveShare).
func (l Local) RemoveUser(ctx context.Context, name string) error {
	return l.Accounts.Remove(ctx, name)
}

func (l Local) NewToken(ctx context.Context, user, label string) (string, error) {
	return l.Accounts.NewToken(ctx, user, label)
}

func (l Local) Devices(ctx context.Context) ([]auth.Device, error) { return l.Accounts.Devices(ctx) }

func (l Local) RemoveDevice(ctx context.Context, id string) error {
	return l.Accounts.RemoveDevice(ctx, id)
}

// CreateShare makes a share that every administrator may fully use; others get no
// access until an administrator gives it.
func (l Local) CreateShare(ctx context.Context, name string, copies int, description string) (pool.ShareInfo, error) {
	s, err := l.Pool.CreateShare(ctx, name, copies, description)
	if err != nil {
		return s, err
	}
	users, err := l.Accounts.List(ctx)
	if err != nil {
		return s, err
	}
	for _, u := range users {
		if u.Admin {
			if err := l.Accounts.SetAccess(ctx, s.Name, u.Name, auth.Full); err != nil {
				return s, err
			}
		}
	}
	return s, nil
}

func (l Local) SetAccess(ctx context.Context, share, user, level string) error {
	lv, err := auth.ParseLevel(level)
	if err != nil {
		return err
	}
	shares, err := l.userShares(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(shares, func(s pool.ShareInfo) bool { return s.Name == share }) {
		return fmt.Errorf("%w: %s", pool.ErrNoShare, share)
	}
	return l.Accounts.SetAccess(ctx, share, user, lv)
}

// Access lists every user's level on every share, none included.
func (l Local) Access(ctx context.Context) ([]AccessEntry, error) {
	shares, err := l.userShares(ctx)
	if err != nil {
		return nil, err
	}
	users, err := l.Accounts.List(ctx)
	if err != nil {
		return nil, err
	}
	table, err := l.Accounts.Access(ctx)
	if err != nil {
		return nil, err
	}
	var out []AccessEntry
	for _, s := range shares {
		for _, u := range users {
			out = append(out, AccessEntry{Share: s.Name, User: u.Name, Level: table.Of(s.Name, u.Name).String()})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Share != out[j].Share {
			return out[i].Share < out[j].Share
		}
		return out[i].User < out[j].User
	})
	return out, nil
}

func (l Local) Server(ctx context.Context) (ServerInfo, error) {
	if l.Info == nil {
		return ServerInfo{}, errors.New("no server information here")
	}
	return l.Info(ctx)
}

// userShares lists the shares people use: not the Backups share, which holds the PCs'
// backup packs and is shown over WebDAV as read-only backups instead.
func (l Local) userShares(ctx context.Context) ([]pool.ShareInfo, error) {
	shares, err := l.Pool.Shares(ctx)
	return slices.DeleteFunc(shares, func(s pool.ShareInfo) bool { return s.Name == backupstore.Share }), err
}

// SetAdmin makes a user an administrator, with full access to every share as AddUser
// gives one, or makes them an ordinary user again (their access to shares stays as it
// is; an administrator can lower it). The last administrator stays one.
func (l Local) SetAdmin(ctx context.Context, name string, admin bool) error {
	if err := l.Accounts.SetAdmin(ctx, name, admin); err != nil || !admin {
		return err
	}
	u, err := l.Accounts.Lookup(ctx, name)
	if err != nil {
		return err
	}
	shares, err := l.userShares(ctx)
	if err != nil {
		return err
	}
	for _, s := range shares {
		if err := l.Accounts.SetAccess(ctx, s.Name, u.Name, auth.Full); err != nil {
			return err
		}
	}
	return nil
}
