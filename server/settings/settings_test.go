package settings

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/server/catalog"
)

func TestCheck(t *testing.T) {
	good := Settings{ServerName: "Family Server", DefaultKeep: backup.DefaultPolicy, Metrics: "admin"}
	for _, c := range []struct {
		name string
		edit func(*Settings)
		want error
	}{
		{"the defaults", func(*Settings) {}, nil},
		{"a zone by name", func(s *Settings) { s.TimeZone = "Europe/Paris" }, nil},
		{"a window past midnight", func(s *Settings) { s.BackupWindow = Window{"23:00", "05:30"} }, nil},
		{"metrics for the home network", func(s *Settings) { s.Metrics = "lan" }, nil},
		{"a name with letters of any language", func(s *Settings) { s.ServerName = "Maison Dupré" }, nil},
		{"no name", func(s *Settings) { s.ServerName = "" }, ErrServerName},
		{"a name with a slash", func(s *Settings) { s.ServerName = "a/b" }, ErrServerName},
		{"a name with spaces around", func(s *Settings) { s.ServerName = " x " }, ErrServerName},
		{"metrics for all", func(s *Settings) { s.Metrics = "everyone" }, ErrMetrics},
		{"an unknown zone", func(s *Settings) { s.TimeZone = "Mars/Olympus" }, ErrTimeZone},
		{"the word Local", func(s *Settings) { s.TimeZone = "Local" }, ErrTimeZone},
		{"half a window", func(s *Settings) { s.BackupWindow = Window{Start: "03:00"} }, ErrWindow},
		{"a time that is not one", func(s *Settings) { s.BackupWindow = Window{"25:00", "04:00"} }, ErrWindow},
		{"a time without its zero", func(s *Settings) { s.BackupWindow = Window{"3:00", "04:00"} }, ErrWindow},
		{"an empty window", func(s *Settings) { s.BackupWindow = Window{"03:00", "03:00"} }, ErrWindow},
		{"a negative count", func(s *Settings) { s.DefaultKeep.Daily = -1 }, ErrKeep},
	} {
		s := good
		c.edit(&s)
		if err := s.Check(); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// Settings are kept in the catalog: a reopened catalog has them; a refused change
// changes nothing.
func TestStoreKeepsSettings(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	cat, err := catalog.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := Open(ctx, cat, Defaults("lan"))
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Get(); got.Metrics != "lan" || got.ServerName == "" || got.DefaultKeep != backup.DefaultPolicy {
		t.Errorf("defaults: %+v", got)
	}
	want := st.Get()
	want.ServerName, want.TimeZone, want.BackupWindow = "Home", "Asia/Tokyo", Window{"02:00", "06:00"}
	if _, err := st.Set(ctx, want); err != nil {
		t.Fatal(err)
	}
	bad := want
	bad.TimeZone = "Nowhere/Here"
	if _, err := st.Set(ctx, bad); !errors.Is(err, ErrTimeZone) {
		t.Errorf("a bad zone: %v", err)
	}
	if st.Location().String() != "Asia/Tokyo" {
		t.Errorf("location %v, want Asia/Tokyo", st.Location())
	}
	cat.Close()
	if cat, err = catalog.Open(ctx, path); err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	st, err = Open(ctx, cat, Defaults("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Get(); got != want {
		t.Errorf("after reopening: %+v, want %+v", got, want)
	}
}
