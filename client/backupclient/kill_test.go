package backupclient_test

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-home/hearth/backup/restorer"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestKilledBackupResumes: a backup killed midway (the PC lost power, the agent was
// stopped) leaves what it sent on the server; the next backup sends only the rest.
func TestKilledBackupResumes(t *testing.T) {
	ctx := context.Background()
	bin := filepath.Join(t.TempDir(), "hearth")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/hearth-home/hearth/client").CombinedOutput(); err != nil {
		t.Fatalf("build hearth: %v\n%s", err, out)
	}
	s := apptest.Start(t)
	s.AddUser("ann", pw, false)
	cfg := join(t, s, "ann", "ann-pc")
	cfgPath := filepath.Join(t.TempDir(), "connector.json")
	if err := cfg.Save(cfgPath); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(dir, 0o755)
	const files, size = 12, 10 << 20
	for i := range files {
		if err := os.WriteFile(filepath.Join(dir, "f"+itoa(i)), random(uint64(500+i), size), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	cmd := exec.Command(bin, "backup", "-json", "-include", dir)
	cmd.Env = append(os.Environ(), "HEARTH_CONNECTOR_CONFIG="+cfgPath)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var sentBeforeKill int64
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		var p struct{ Sent int64 }
		json.Unmarshal(sc.Bytes(), &p)
		if p.Sent >= 3*16<<20 {
			sentBeforeKill = p.Sent
			cmd.Process.Kill()
			break
		}
	}
	cmd.Wait()
	if sentBeforeKill == 0 {
		t.Fatal("the backup ended before it could be killed midway; give it more data")
	}

	// The next backup, as the next run of hearth reads the PC's settings: it finds the
	// session the killed one left, and ends it.
	loaded, err := connector.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	c, err := backupclient.New(loaded)
	if err != nil {
		t.Fatal(err)
	}
	if snaps, _ := c.Snapshots(ctx); len(snaps) != 0 {
		t.Fatalf("a killed backup left %d backups; want none", len(snaps))
	}
	start := time.Now()
	snap, err := c.Backup(ctx, backupclient.Options{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	total := int64(files * size)
	t.Logf("killed after %d bytes were sent; the next backup sent %d of %d in %v", sentBeforeKill, snap.Added, total, time.Since(start))
	if snap.Added > total-sentBeforeKill+1<<20 {
		t.Errorf("the resumed backup sent %d bytes; %d of %d had already arrived", snap.Added, sentBeforeKill, total)
	}
	to := t.TempDir()
	if _, err := c.Restore(ctx, snap.ID, dir, to, restorer.Options{}); err != nil {
		t.Fatal(err)
	}
	sameTree(t, dir, filepath.Join(to, "data"), files)
}
