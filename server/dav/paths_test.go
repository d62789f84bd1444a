package dav

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/pool/safepath"
	"golang.org/x/net/webdav"
)

func TestNameOf(t *testing.T) {
	for raw, want := range map[string]string{
		"/dav":                 "/",
		"/dav/":                "/",
		"/dav/Public":          "/Public",
		"/dav/Public/":         "/Public",
		"/dav/Public/a%20b/c/": "/Public/a b/c",
		"/dav/Public/%C3%BC":   "/Public/ü",
		"/dav/Public/..":       "",
		"/dav/Public/%2e%2e/x": "",
		"/dav/Public/a%2fb":    "",
		"/dav/Public/a%5Cb":    "",
		"/dav/Public/a%00":     "",
		"/dav/Public//a":       "",
		"/davx/Public":         "",
		"/other":               "",
	} {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		got, err := nameOf(u)
		if want == "" && err == nil {
			t.Errorf("%s: accepted as %q", raw, got)
		}
		if want != "" && (err != nil || got != want) {
			t.Errorf("%s: %q, %v; want %q", raw, got, err, want)
		}
	}
}

// FuzzNameOf: whatever the URL, an accepted name is a clean pool path under its share.
func FuzzNameOf(f *testing.F) {
	for _, s := range []string{"/dav/Public/a", "/dav/%2e%2e", "/dav/a/../b", "/dav/a%5cb", "/dav/Public/%C3%BC/x/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		name, err := nameOf(u)
		if err != nil || name == "/" {
			return
		}
		p := poolPath(name)
		if c, err := safepath.Clean(p); err != nil || c != p {
			t.Errorf("%q gave %q, which the pool refuses (%v)", raw, p, err)
		}
		if strings.Contains(p, "\\") || strings.Contains(p, "\x00") {
			t.Errorf("%q gave %q", raw, p)
		}
	})
}

func TestParseIf(t *testing.T) {
	lists, ok := parseIf(`<http://h/dav/a> (<urn:uuid:1> ["e1"]) (Not <DAV:no-lock>) <http://h/dav/b> (["e2"])`)
	want := []ifList{
		{"http://h/dav/a", []webdav.Condition{{Token: "urn:uuid:1"}, {ETag: `"e1"`}}},
		{"http://h/dav/a", []webdav.Condition{{Not: true, Token: "DAV:no-lock"}}},
		{"http://h/dav/b", []webdav.Condition{{ETag: `"e2"`}}},
	}
	if !ok || len(lists) != len(want) {
		t.Fatalf("%+v %v", lists, ok)
	}
	for i := range want {
		if lists[i].resource != want[i].resource || len(lists[i].conds) != len(want[i].conds) {
			t.Fatalf("list %d: %+v, want %+v", i, lists[i], want[i])
		}
		for j := range want[i].conds {
			if lists[i].conds[j] != want[i].conds[j] {
				t.Errorf("list %d cond %d: %+v, want %+v", i, j, lists[i].conds[j], want[i].conds[j])
			}
		}
	}
	for _, bad := range []string{"", "(", "()", "(<a>", "x (<a>)", "(Not)", `(["e1")`} {
		if _, ok := parseIf(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if got := ifTokens(`(<urn:a>) (Not <urn:b>) <x> (<urn:c> ["<urn:d>"])`); strings.Join(got, ",") != "urn:a,urn:c" {
		t.Errorf("tokens %v", got)
	}
}

func FuzzParseIf(f *testing.F) {
	f.Add(`<http://h/dav/a> (<urn:uuid:1> ["e1"]) (Not <DAV:no-lock>)`)
	f.Add(`(["x"]) (<y>)`)
	f.Fuzz(func(t *testing.T, hdr string) {
		lists, ok := parseIf(hdr)
		if !ok {
			return
		}
		for _, l := range lists {
			if len(l.conds) == 0 {
				t.Errorf("%q: an empty list", hdr)
			}
			for _, c := range l.conds {
				if c.Token != "" && c.ETag != "" {
					t.Errorf("%q: condition with both token and tag: %+v", hdr, c)
				}
			}
		}
	})
}

func FuzzCheckXML(f *testing.F) {
	f.Add(`<D:propfind xmlns:D="DAV:"><D:allprop/></D:propfind>`)
	f.Add(`<D:propfind xmlns:D="DAV:"><D:prop><z:x xmlns:z=""/></D:prop></D:propfind>`)
	f.Fuzz(func(t *testing.T, body string) {
		r, _ := http.NewRequest("PROPFIND", "/dav/", strings.NewReader(body))
		err := checkXML(r)
		rest := new(bytes.Buffer)
		rest.ReadFrom(r.Body)
		if rest.String() != body {
			t.Errorf("the body was not put back whole (err %v)", err)
		}
	})
}
