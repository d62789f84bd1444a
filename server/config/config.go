// Package config holds hearthd's settings: embedded defaults, overridden by an optional
// hearthd.json in the state folder.
package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-home/hearth/internal/calimit"
	"github.com/hearth-home/hearth/server/pool"
)

// hostName is a DNS name of letters, digits and hyphens, as a certificate may carry.
var hostName = regexp.MustCompile(`^(?i)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$`)

//go:embed default.json
var defaults []byte

// Config is the settings file's content.
type Config struct {
	DriveReserve   string `json:"drive_reserve"` // "auto" (1 GiB, or 2% of a small drive) or a size
	CheckEvery     string `json:"check_every"`
	DriveTimeout   string `json:"drive_timeout"`
	ScrubEvery     string `json:"scrub_every"`
	RepairEvery    string `json:"repair_every"`
	VersionsKeep   string `json:"versions_keep"`
	VersionsMax    int    `json:"versions_max"`
	BackgroundRate string `json:"background_rate"` // bytes per second, e.g. "200MiB"
	// HTTPSListen is the address of the one HTTPS listener (WebDAV, API, pages);
	// HTTPListen only redirects to it ("" turns it off).
	HTTPSListen string `json:"https_listen"`
	HTTPListen  string `json:"http_listen"`
	// MediaListen is the address the TVs of the house stream from (DLNA); "off" turns
	// the media server off.
	MediaListen string `json:"media_listen"`
	// HealthEvery is how often the server checks itself; SMARTEvery how often each
	// disk is asked for its own verdict; BackupOverdue how old a PC's last backup may get.
	HealthEvery   string `json:"health_every"`
	SMARTEvery    string `json:"smart_every"`
	BackupOverdue string `json:"backup_overdue"`
	// Metrics says who may read /metrics: "admin" (signed in as an administrator), "lan"
	// (anyone on the local network, as a Prometheus scraper is) or "off".
	Metrics string `json:"metrics"`
	// TLSNames are names and addresses the server is reached by from outside the house
	// (a DNS name pointing at the router, a public address, an overlay network's address
	// such as Tailscale's 100.x, which no default range covers), for its certificate. The
	// certificate authority permits them only when it is made: after changing them, run
	// 'hearthd cert renew-ca'.
	TLSNames []string `json:"tls_names"`
}

// HealthOptions are the health monitor's settings.
type HealthOptions struct {
	Every, SMARTEvery, BackupOverdue time.Duration
}

// Health turns the settings into the health monitor's.
func (c Config) Health() (HealthOptions, error) {
	var o HealthOptions
	var errs []error
	dur := durations(&errs)
	dur("health_every", c.HealthEvery, &o.Every)
	dur("smart_every", c.SMARTEvery, &o.SMARTEvery)
	dur("backup_overdue", c.BackupOverdue, &o.BackupOverdue)
	return o, errors.Join(errs...)
}

// durations returns a reader of positive durations that adds each bad one to errs.
func durations(errs *[]error) func(name, s string, out *time.Duration) {
	return func(name, s string, out *time.Duration) {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			*errs = append(*errs, fmt.Errorf("%s: %q is not a duration such as \"10s\" or \"720h\"", name, s))
		}
		*out = d
	}
}

// Load reads the defaults and, when path exists, the settings there.
func Load(path string) (Config, error) {
	var c Config
	if err := decode(defaults, &c); err != nil {
		return c, fmt.Errorf("built-in settings: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return c, fmt.Errorf("read settings: %w", err)
	}
	if err == nil {
		if err := decode(b, &c); err != nil {
			return c, fmt.Errorf("settings in %s: %w", path, err)
		}
	}
	return c, c.Validate()
}

func decode(b []byte, c *Config) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	return d.Decode(c)
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	_, err := c.PoolOptions()
	_, herr := c.Health()
	err = errors.Join(err, herr)
	switch c.Metrics {
	case "admin", "lan", "off":
	default:
		err = errors.Join(err, fmt.Errorf("metrics: %q, want \"admin\", \"lan\" or \"off\"", c.Metrics))
	}
	for _, n := range c.TLSNames {
		if net.ParseIP(n) == nil && !hostName.MatchString(n) {
			err = errors.Join(err, fmt.Errorf("tls_names: %q is not a host name such as \"home.example.net\" or an address", n))
		} else if net.ParseIP(n) == nil && calimit.Subtree(n) != nil {
			// The certificate authority would vouch for every name below it, other
			// people's sites too (calimit.Subtree).
			err = errors.Join(err, fmt.Errorf("tls_names: %q is a name under which anyone can have a site of their own; give the server's own full name (such as \"ourhome.duckdns.org\", not \"duckdns.org\")", n))
		}
	}
	if c.HTTPSListen == "" {
		err = errors.Join(err, errors.New("https_listen: an address such as \":8443\" is needed"))
	}
	return err
}

// PoolOptions turns the settings into the pool's options.
func (c Config) PoolOptions() (pool.Options, error) {
	var o pool.Options
	var errs []error
	dur := durations(&errs)
	dur("check_every", c.CheckEvery, &o.CheckEvery)
	dur("drive_timeout", c.DriveTimeout, &o.DriveTimeout)
	dur("scrub_every", c.ScrubEvery, &o.ScrubEvery)
	dur("repair_every", c.RepairEvery, &o.RepairEvery)
	dur("versions_keep", c.VersionsKeep, &o.VersionsKeep)
	if c.VersionsMax < 1 {
		errs = append(errs, fmt.Errorf("versions_max: %d, want at least 1", c.VersionsMax))
	}
	o.VersionsMax = c.VersionsMax
	if c.DriveReserve != "auto" {
		n, err := ParseSize(c.DriveReserve)
		if err != nil {
			errs = append(errs, fmt.Errorf("drive_reserve: %w", err))
		}
		o.Reserve = max(n, 1)
	}
	rate, err := ParseSize(c.BackgroundRate)
	if err != nil || rate < 1<<20 {
		errs = append(errs, fmt.Errorf("background_rate: %q, want a size of at least 1MiB", c.BackgroundRate))
	}
	o.BackgroundRate = rate
	return o, errors.Join(errs...)
}

// ParseSize reads "512", "64KiB", "200MiB", "1GiB", "2TiB" (also KB/MB/GB/TB, as powers
// of 1024, which is what a person reading a disk size means).
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size such as \"1GiB\"", s)
	}
	return n * mult, nil
}
