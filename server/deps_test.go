package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Dependencies point one way: the pool and the catalog know nothing of the layers that
// use them, and nothing imports the desktop client. The server builds without cgo.
func TestDependencyDirection(t *testing.T) {
	const mod = "github.com/hearth-home/hearth/"
	rules := []struct {
		pkg       string
		forbidden []string
	}{
		{"server/pool/...", []string{"server/admin", "server/app", "server/cli", "server/config", "client", "backup"}},
		{"server/catalog", []string{"server/pool", "server/admin", "server/app", "server/cli", "client"}},
		{"server/...", []string{"client"}},
		// The API speaks for the server through its own narrow interface (api.Admin);
		// the admin package serves the hearthd commands and is not the API's to import.
		{"server/api/...", []string{"server/admin", "server/app", "server/cli"}},
		{"server/backupapi", []string{"server/admin", "server/app", "server/cli"}},
	}
	// The connector may use the server's API shapes, nothing else of it (its tests may
	// start a real server).
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "../client/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list ../client/...: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, mod+"server/") && dep != mod+"server/api/schema" {
			t.Errorf("client imports %s", dep)
		}
	}
	for _, r := range rules {
		// The test runs in server/, so server/x is ./x.
		out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", "./"+strings.TrimPrefix(r.pkg, "server/")).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", r.pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range r.forbidden {
				if dep == mod+f || strings.HasPrefix(dep, mod+f+"/") {
					t.Errorf("%s imports %s", r.pkg, dep)
				}
			}
		}
	}
}

func TestServerBuildsWithoutCgo(t *testing.T) {
	for _, arch := range []string{"amd64", "arm64"} {
		cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("CGO_ENABLED=0 GOARCH=%s go build ./server: %v\n%s", arch, err, out)
		}
	}
}
