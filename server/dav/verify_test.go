package dav_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-home/hearth/server/app/apptest"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/pool/pooltest"
)

// secondDrive adds a drive to the server, so its files have two copies.
func secondDrive(t *testing.T, s *apptest.Server) string {
	t.Helper()
	d := filepath.Join(t.TempDir(), "disk2")
	os.Mkdir(d, 0o755)
	if _, err := s.Admin().AddDrive(context.Background(), d, ""); err != nil {
		t.Fatal(err)
	}
	return d
}

// get downloads a file and returns what arrived and whether it arrived whole.
func get(t *testing.T, s *apptest.Server, path string) ([]byte, error) {
	t.Helper()
	req, _ := http.NewRequest("GET", s.URL+path, nil)
	req.SetBasicAuth("dad", "correct horse")
	resp, err := s.Client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

// A download never completes with rotten bytes: a rotten copy is skipped for the good
// one, also for a large file the index has no block checksums for yet (it is checked
// whole first); and a large file whose middle is damaged on every copy is cut short,
// so the client sees an error, never a whole file.
func TestDownloadsNeverCompleteRotten(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("dad", "correct horse", true)
	second := secondDrive(t, s)
	first := paths.FirstDrive(s.State)
	files := map[string][]byte{"small.jpg": random(t, 200_000), "large.mov": random(t, 5_000_000), "legacy.mov": random(t, 5_000_000),
		"ruined.mov": random(t, 5_000_000)}
	for name, data := range files {
		if resp, _ := s.Do("dad", "correct horse", "PUT", "/dav/Public/"+name, bytes.NewReader(data)); resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT %s: %d", name, resp.StatusCode)
		}
		pooltest.FlipByte(t, filepath.Join(first, "Shares", "Public", name), int64(len(data)-1000))
	}
	pooltest.FlipByte(t, filepath.Join(second, "Shares", "Public", "ruined.mov"), int64(len(files["ruined.mov"])-1000))
	ctx := context.Background()
	// legacy.mov as a file of a server from before block checksums were kept.
	err := s.App.Catalog().Update(ctx, func(tx *catalog.Tx) error {
		e, err := tx.Entry(ctx, "Public/legacy.mov")
		if err != nil {
			return err
		}
		return tx.PutBlockSums(ctx, e.Hash, catalog.BlockSums{})
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"small.jpg", "large.mov", "legacy.mov"} {
		for i := range 10 {
			if got, err := get(t, s, "/dav/Public/"+name); err != nil || !bytes.Equal(got, files[name]) {
				t.Fatalf("GET %s (%d): %d bytes, %v; want the good copy", name, i, len(got), err)
			}
		}
	}
	got, err := get(t, s, "/dav/Public/ruined.mov")
	if err == nil || len(got) >= len(files["ruined.mov"]) {
		t.Fatalf("GET of a file damaged near its end on every copy completed (%d bytes, %v); it must be cut short", len(got), err)
	}
	// Now the server knows: it says so before the answer starts.
	if resp, body := s.Do("dad", "correct horse", "GET", "/dav/Public/ruined.mov", nil); resp.StatusCode != http.StatusInternalServerError ||
		!strings.Contains(body, "damaged on every drive") {
		t.Errorf("the next GET: %d %.200q; want it refused plainly", resp.StatusCode, body)
	}
}

// A file damaged on every copy is refused with words that say so, never served.
func TestDamagedFileIsRefusedPlainly(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("dad", "correct horse", true)
	second := secondDrive(t, s)
	for _, size := range []int{50_000, 3_000_000} {
		name := fmt.Sprintf("ruined-%d.jpg", size)
		if resp, _ := s.Do("dad", "correct horse", "PUT", "/dav/Public/"+name, bytes.NewReader(random(t, size))); resp.StatusCode != http.StatusCreated {
			t.Fatalf("PUT: %d", resp.StatusCode)
		}
		for _, d := range []string{paths.FirstDrive(s.State), second} {
			pooltest.FlipByte(t, filepath.Join(d, "Shares", "Public", name), 1000) // in its first block
		}
		for range 2 { // the first finds the damage, the second knows it
			resp, body := s.Do("dad", "correct horse", "GET", "/dav/Public/"+name, nil)
			if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(body, "damaged on every drive") {
				t.Errorf("GET of a file damaged on every drive (%d bytes): %d %.200q", size, resp.StatusCode, body)
			}
		}
	}
}
