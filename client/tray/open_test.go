package main

import (
	"strings"
	"testing"
)

func TestFolderCommand(t *testing.T) {
	for _, c := range []struct{ goos, url, want string }{
		{"linux", "https://hearth-1a2b.local:8443/dav/", "xdg-open davs://hearth-1a2b.local:8443/dav/"},
		{"windows", "https://hearth-1a2b.local:8443/dav/", `explorer.exe \\hearth-1a2b.local@SSL@8443\dav`},
		{"windows", "https://home.example.org/dav/", `explorer.exe \\home.example.org@SSL@443\dav`},
		{"darwin", "https://hearth-1a2b.local:8443/dav/", `osascript -e mount volume "https://hearth-1a2b.local:8443/dav/"`},
	} {
		name, args, err := folderCommand(c.goos, c.url)
		if got := name + " " + strings.Join(args, " "); err != nil || got != c.want {
			t.Errorf("%s %s: %q %v, want %q", c.goos, c.url, got, err, c.want)
		}
	}
	for _, bad := range []string{"http://plain/dav/", "davs://x/", "not a url", ""} {
		if _, _, err := folderCommand("linux", bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestBrowserCommand(t *testing.T) {
	const address = "https://hearth-1a2b.local:8443/signin?next=%2F"
	for goos, want := range map[string]string{
		"linux":   "xdg-open " + address,
		"windows": "rundll32 url.dll,FileProtocolHandler " + address,
		"darwin":  "open " + address,
	} {
		name, args := browserCommand(goos, address)
		if got := name + " " + strings.Join(args, " "); got != want {
			t.Errorf("%s: %q, want %q", goos, got, want)
		}
	}
}
