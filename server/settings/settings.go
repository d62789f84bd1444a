// Package settings is the server's settings record that the console edits: its name, the
// default retention of backups, who may read the metrics, the time zone and the backup
// window. It is kept in the catalog's meta table (one JSON value, written in a
// transaction: durable, and no second file beside the catalog to keep in step) and held
// in memory for the parts of the server that read it on every use, so a change applies
// at once.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/catalog"
)

// Settings is the record.
type Settings struct {
	// ServerName is how the pages name the server (default: the machine's host name).
	ServerName string
	// DefaultKeep is the retention rule of the PCs without their own.
	DefaultKeep backup.Policy
	// Metrics says who may read /metrics: "admin", "lan" or "off".
	Metrics string
	// TimeZone is an IANA name ("Europe/Paris") for showing times and counting days;
	// "" is the machine's.
	TimeZone string
	// BackupWindow is when the PCs should back up; zero (both "") leaves it to them.
	BackupWindow Window
}

// Window is a daily span of time, "HH:MM" to "HH:MM" in the server's time zone; an end
// before the start runs past midnight.
type Window struct {
	Start, End string
}

// Errors a person can act on: the value given is refused, and the error says why.
var (
	ErrServerName = errors.New("a server name has 1 to 63 characters: letters, digits, spaces, dots or dashes")
	ErrMetrics    = errors.New("metrics access is admin (administrators only), lan (anyone on the home network) or off")
	ErrTimeZone   = errors.New("that is not a time zone this server knows; use a name such as Europe/London or America/New_York")
	ErrWindow     = errors.New("a backup window is two times of day, such as 03:00 to 07:00, or none")
	ErrKeep       = errors.New("keep between 0 and 1000 of the last, daily, weekly and monthly backups")
)

// Defaults are the settings of a server nobody has changed: metrics as the settings file
// says (config.Config.Metrics).
func Defaults(metrics string) Settings {
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "Hearth"
	}
	name, _, _ = strings.Cut(name, ".")
	if metrics == "" {
		metrics = "admin"
	}
	return Settings{ServerName: name, DefaultKeep: backup.DefaultPolicy, Metrics: metrics}
}

// Check refuses a value that cannot work, with a sentinel error saying why.
func (s Settings) Check() error {
	if n := len(s.ServerName); n == 0 || n > 63 || strings.TrimSpace(s.ServerName) != s.ServerName ||
		strings.ContainsFunc(s.ServerName, func(r rune) bool {
			return !(r == ' ' || r == '-' || r == '.' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r > 127)
		}) {
		return fmt.Errorf("%w (not %q)", ErrServerName, s.ServerName)
	}
	if s.DefaultKeep.Check() != nil {
		return ErrKeep
	}
	switch s.Metrics {
	case "admin", "lan", "off":
	default:
		return fmt.Errorf("%w (not %q)", ErrMetrics, s.Metrics)
	}
	if _, err := s.Location(); err != nil {
		return err
	}
	return s.BackupWindow.check()
}

// Location is the settings' time zone.
func (s Settings) Location() (*time.Location, error) {
	if s.TimeZone == "" {
		return time.Local, nil
	}
	// "Local" names the machine's zone and not one a person can choose by name.
	if s.TimeZone == "Local" {
		return nil, fmt.Errorf("%w (not %q)", ErrTimeZone, s.TimeZone)
	}
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("%w (not %q)", ErrTimeZone, s.TimeZone)
	}
	return loc, nil
}

func (w Window) check() error {
	if w.Start == "" && w.End == "" {
		return nil
	}
	for _, t := range []string{w.Start, w.End} {
		if _, err := time.Parse("15:04", t); err != nil || len(t) != 5 {
			return fmt.Errorf("%w (not %q)", ErrWindow, t)
		}
	}
	if w.Start == w.End {
		return fmt.Errorf("%w (it starts and ends at %s)", ErrWindow, w.Start)
	}
	return nil
}

// metaKey is where the catalog keeps the record.
const metaKey = "settings"

// Store holds the settings: in the catalog, and the current record in memory.
type Store struct {
	cat *catalog.Catalog
	mu  sync.RWMutex
	cur Settings
	loc *time.Location
}

// Open reads the settings from cat; fields never set take those of defaults.
func Open(ctx context.Context, cat *catalog.Catalog, defaults Settings) (*Store, error) {
	cur := defaults
	err := cat.View(ctx, func(tx *catalog.Tx) error {
		v, err := tx.Meta(ctx, metaKey)
		if errors.Is(err, catalog.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return json.Unmarshal([]byte(v), &cur)
	})
	if err != nil {
		return nil, fmt.Errorf("read the server's settings: %w", err)
	}
	loc, err := cur.Location()
	if err != nil { // a zone this machine no longer has: the machine's, until changed
		cur.TimeZone, loc = "", time.Local
	}
	return &Store{cat: cat, cur: cur, loc: loc}, nil
}

// Get is the settings now.
func (s *Store) Get() Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cur
}

// Location is the time zone now.
func (s *Store) Location() *time.Location {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.loc
}

// Set checks and saves new settings; they apply from the next use on.
func (s *Store) Set(ctx context.Context, n Settings) (Settings, error) {
	if err := n.Check(); err != nil {
		return s.Get(), err
	}
	loc, _ := n.Location()
	b, err := json.Marshal(n)
	if err != nil {
		return s.Get(), err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.cat.Update(ctx, func(tx *catalog.Tx) error { return tx.SetMeta(ctx, metaKey, string(b)) }); err != nil {
		return s.cur, fmt.Errorf("save the server's settings: %w", err)
	}
	s.cur, s.loc = n, loc
	return n, nil
}
