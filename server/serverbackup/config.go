package serverbackup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/repo"
)

// ServerConfig is what a server backup keeps of the server itself, so a new server can
// be set up from it: the shares, the users with their password hashes, the devices'
// token digests, who may open what, and the settings. It is stored as a blob named by
// the snapshot's "config" (JSON; backup/FORMAT.md).
type ServerConfig struct {
	Version  int             `json:"version"` // 1
	Shares   []ConfigShare   `json:"shares"`
	Users    []ConfigUser    `json:"users"`
	Tokens   []ConfigToken   `json:"tokens"`
	Access   []ConfigAccess  `json:"access"`
	Settings json.RawMessage `json:"settings,omitempty"`
}

// ConfigShare is a shared folder.
type ConfigShare struct {
	Name        string `json:"name"`
	Copies      int    `json:"copies"` // 0 automatic, 1 or 2
	Description string `json:"description,omitempty"`
}

// ConfigUser is a user, with the argon2id hash of their password.
type ConfigUser struct {
	Name    string    `json:"name"`
	Admin   bool      `json:"admin,omitempty"`
	Hash    string    `json:"hash"`
	Created time.Time `json:"created"`
	Changed time.Time `json:"changed"`
}

// ConfigToken is a device's token, kept only as its SHA-256 digest.
type ConfigToken struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Digest  []byte    `json:"digest"`
	Label   string    `json:"label"`
	Created time.Time `json:"created"`
	PC      string    `json:"pc,omitempty"`
}

// ConfigAccess is one user's level on one share.
type ConfigAccess struct {
	Share string `json:"share"`
	User  string `json:"user"`
	Level string `json:"level"`
}

// Configurer reads the server's configuration and sets up a new server from one. The
// app implements it over the catalog, the pool and the settings.
type Configurer interface {
	Export(ctx context.Context) (ServerConfig, error)
	// CanImport says whether Import would take a configuration (ErrHasUsers if not),
	// asked before a restore writes anything.
	CanImport(ctx context.Context) error
	// Import sets a server with no users up from c: its shares made, its users,
	// tokens, access and settings taken (ErrHasUsers when there are users already).
	Import(ctx context.Context, c ServerConfig) error
}

// ErrHasUsers: a configuration is restored only onto a new server, never over a family
// that uses this one.
var ErrHasUsers = errors.New("this server has users already; the users and settings of a backup are restored only onto a new server")

// ErrNoConfig: the backup holds no configuration (one made without it).
var ErrNoConfig = errors.New("that backup does not hold the server's users and settings")

// saveConfig stores the configuration in r and returns its blob's ID.
func saveConfig(ctx context.Context, r *repo.Repo, c Configurer) (*backup.ID, error) {
	cfg, err := c.Export(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the server's configuration: %w", err)
	}
	cfg.Version = 1
	data, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	id, err := r.PutBlob(ctx, backup.Data, data)
	if err != nil {
		return nil, fmt.Errorf("store the server's configuration: %w", err)
	}
	return &id, nil
}

// loadConfig reads a snapshot's configuration.
func loadConfig(ctx context.Context, r *repo.Repo, snap backup.Snapshot) (ServerConfig, error) {
	if snap.Config == nil {
		return ServerConfig{}, ErrNoConfig
	}
	data, err := r.Blob(ctx, *snap.Config)
	if err != nil {
		return ServerConfig{}, err
	}
	var cfg ServerConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return ServerConfig{}, fmt.Errorf("the server's configuration: %w: %v", backup.ErrCorrupt, err)
	}
	if cfg.Version != 1 {
		return ServerConfig{}, fmt.Errorf("the server's configuration was written by a newer Hearth (version %d)", cfg.Version)
	}
	return cfg, nil
}
