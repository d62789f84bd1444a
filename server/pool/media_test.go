package pool_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// TestMediaSettingRebuilt: whether a share is streamed to the TVs comes back with the
// drives when the index is lost; from a configuration written before the setting
// existed, the family's Music, Pictures and Videos are streamed and nothing else.
func TestMediaSettingRebuilt(t *testing.T) {
	ctx := context.Background()
	e := pooltest.New(t, 1)
	for _, s := range []string{"Music", "Recipes", "Diary"} {
		e.Share(s, 1)
	}
	on := true
	if _, err := e.Pool.SetShare(ctx, "Recipes", pool.ShareSettings{Media: &on}); err != nil {
		t.Fatal(err)
	}
	streamed := func() map[string]bool {
		t.Helper()
		ss, err := e.Pool.Shares(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, s := range ss {
			out[s.Name] = s.Media
		}
		return out
	}
	check := func(when string, want map[string]bool) {
		t.Helper()
		got := streamed()
		for name, w := range want {
			if got[name] != w {
				t.Errorf("%s: %s streamed %v, want %v", when, name, got[name], w)
			}
		}
	}
	check("before", map[string]bool{"Music": false, "Recipes": true, "Diary": false})
	e.Close()
	removeCatalog(t, e)
	e.Open()
	check("after a rebuild", map[string]bool{"Music": false, "Recipes": true, "Diary": false})

	// The same drive's configuration as an older Hearth wrote it, without the setting.
	e.Close()
	conf := filepath.Join(e.Drives[0], ".hearth", "pool.json")
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, s := range m["shares"].([]any) {
		delete(s.(map[string]any), "media")
	}
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(conf, b, 0o644); err != nil {
		t.Fatal(err)
	}
	removeCatalog(t, e)
	e.Open()
	check("after a rebuild from an older configuration", map[string]bool{"Music": true, "Recipes": false, "Diary": false})
}
