package dav_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"time"

	"github.com/hearth-home/hearth/internal/testenv"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// Parallel requests for one new name race only with each other, not with locks nobody
// holds: four MKCOLs give one 201 and 405s; four PUTs give 201s and 204s. The engine's
// own per-request locks once made some of them 423 Locked.
func TestConcurrentCreatesOfOneName(t *testing.T) {
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	cases := []struct {
		method string
		ok     map[int]bool
		one201 bool
	}{
		{"MKCOL", map[int]bool{http.StatusCreated: true, http.StatusMethodNotAllowed: true}, true},
		{"PUT", map[int]bool{http.StatusCreated: true, http.StatusNoContent: true}, false},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			for round := range 10 {
				name := fmt.Sprintf("/dav/mum/%s-%d", strings.ToLower(c.method), round)
				codes := make([]int, 4)
				var wg sync.WaitGroup
				for i := range codes {
					wg.Add(1)
					go func() {
						defer wg.Done()
						var body io.Reader
						if c.method == "PUT" {
							body = strings.NewReader("same bytes")
						}
						resp, _ := s.Do("mum", "correct horse", c.method, name, body)
						codes[i] = resp.StatusCode
					}()
				}
				wg.Wait()
				created := 0
				for _, code := range codes {
					if !c.ok[code] {
						t.Fatalf("round %d: %s of one new name gave %v; want only %v", round, c.method, codes, c.ok)
					}
					if code == http.StatusCreated {
						created++
					}
				}
				if c.one201 && created != 1 {
					t.Fatalf("round %d: %d MKCOLs made the folder (%v); want exactly 1", round, created, codes)
				}
			}
		})
	}
}

// rclone with more parallel transfers than folders makes each folder many times at
// once; every file must arrive even with a single try each.
func TestRcloneParallelCopy(t *testing.T) {
	rclone := testenv.NeedTool(t, "rclone")
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	base := rcloneFlags(t, rclone, s, "mum", "correct horse")
	src := t.TempDir()
	for i := range 500 {
		p := filepath.Join(src, fmt.Sprintf("d%d/e%d/f%03d.txt", i%10, i%3, i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(fmt.Sprintf("file %d\n", i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Bounded, so a stalled request fails the test with rclone's account of it.
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, rclone, append([]string{"copy", src, ":webdav:mum/up", "--transfers", "8", "--checkers", "8",
		"--retries", "1", "--low-level-retries", "1", "--stats", "30s", "--stats-log-level", "NOTICE"}, base...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("rclone copy: %v\n%s", err, out)
	}
	out, err = exec.Command(rclone, append([]string{"check", src, ":webdav:mum/up"}, base...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("rclone check: not every file arrived whole: %v\n%s", err, out)
	}
	files, err := s.App.Pool.List(t.Context(), "mum/up/d0/e0")
	if err != nil || len(files) == 0 {
		t.Fatalf("pool lists %v, %v", files, err)
	}
}
