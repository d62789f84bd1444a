package app_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestSearchFollowsAccess: GET /api/v1/files/search finds files by a fragment of their
// names, and each caller only in the shares they may read: two users with different
// access, an administrator, and a user's device token (which searches as its user).
func TestSearchFollowsAccess(t *testing.T) {
	s := apptest.Start(t)
	ctx := context.Background()
	s.AddUser("root", "root-password1", true)
	s.AddUser("ann", "ann-password1", false)
	s.AddUser("bob", "bob-password1", false)
	if _, err := s.Admin().CreateShare(ctx, "Recipes", 0, ""); err != nil {
		t.Fatal(err)
	}
	s.SetAccess("Recipes", "ann", "read")
	s.SetAccess("Recipes", "bob", "none")
	s.SetAccess("ann", "bob", "none")
	s.SetAccess("bob", "ann", "none")
	for _, p := range []string{"Recipes/Grand-mère's Tarte Tatin.txt", "ann/tarte notes.txt", "bob/tartes secrètes.txt", "Recipes/soup.txt"} {
		if _, err := s.Admin().Put(ctx, p, strings.NewReader(p), int64(len(p)), time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := s.Do("ann", "ann-password1", "POST", "/api/v1/devices", strings.NewReader(`{"name": "ann-phone"}`), "Content-Type", "application/json")
	var dev struct{ Token string }
	if json.Unmarshal([]byte(body), &dev); resp.StatusCode != 201 {
		t.Fatalf("join: %d %s", resp.StatusCode, body)
	}

	all := []string{"Recipes/Grand-mère's Tarte Tatin.txt", "ann/tarte notes.txt", "bob/tartes secrètes.txt"}
	for _, tc := range []struct {
		who  string
		auth []string
		want []string
	}{
		{"ann", []string{"Authorization", basic("ann", "ann-password1")}, []string{"ann/tarte notes.txt", "Recipes/Grand-mère's Tarte Tatin.txt"}},
		{"ann's phone", []string{"Authorization", "Bearer " + dev.Token}, []string{"ann/tarte notes.txt", "Recipes/Grand-mère's Tarte Tatin.txt"}},
		{"bob", []string{"Authorization", basic("bob", "bob-password1")}, []string{"bob/tartes secrètes.txt"}},
		{"root", []string{"Authorization", basic("root", "root-password1")}, nil}, // as /api/v1/me says
	} {
		t.Run(tc.who, func(t *testing.T) {
			if tc.want == nil {
				// What the caller may open is what /api/v1/me lists.
				_, _, text := call(t, s, "GET", "/api/v1/me", "", tc.auth)
				var me schema.Me
				json.Unmarshal([]byte(text), &me)
				for _, p := range all {
					if slices.ContainsFunc(me.Shares, func(sh schema.Share) bool { return strings.HasPrefix(p, sh.Name+"/") }) {
						tc.want = append(tc.want, p)
					}
				}
				if len(tc.want) == 0 {
					t.Fatalf("%s may read none of the shares: %s", tc.who, text)
				}
			}
			code, _, text := call(t, s, "GET", "/api/v1/files/search?q=TARTE", "", tc.auth)
			var res schema.SearchResults
			if err := json.Unmarshal([]byte(text), &res); code != 200 || err != nil {
				t.Fatalf("search: %d %s", code, text)
			}
			var got []string
			for _, f := range res.Results {
				got = append(got, f.Path)
				if f.Name == "" || f.Dir || f.Size != int64(len(f.Path)) || f.ModTime.IsZero() {
					t.Errorf("result %+v", f)
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.want))
			if diff := cmp.Diff(want, got); diff != "" || res.More {
				t.Errorf("%s's search (-want +got):\n%s (more: %v)", tc.who, diff, res.More)
			}
		})
	}

	ann := []string{"Authorization", basic("ann", "ann-password1")}
	// A limit: the best first, and more said.
	code, _, text := call(t, s, "GET", "/api/v1/files/search?q=tarte&limit=1", "", ann)
	var res schema.SearchResults
	if json.Unmarshal([]byte(text), &res); code != 200 || len(res.Results) != 1 || !res.More || res.Results[0].Path != "ann/tarte notes.txt" {
		t.Errorf("with a limit of 1: %d %s", code, text)
	}
	// Refusals in words.
	for _, path := range []string{"/api/v1/files/search", "/api/v1/files/search?q=%20", "/api/v1/files/search?q=x&limit=0", "/api/v1/files/search?q=x&limit=501"} {
		code, _, text := call(t, s, "GET", path, "", ann)
		var p schema.Problem
		if json.Unmarshal([]byte(text), &p); code != 400 || p.Error == "" {
			t.Errorf("GET %s: %d %s, want 400 in words", path, code, text)
		}
	}
}
