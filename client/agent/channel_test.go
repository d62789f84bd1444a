package agent

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/app/apptest"
)

// TestTwoAsksMakeOneBackup: the tray and the console ask the agent on its real channel
// to back up at the same moment; the agent makes one backup, on a real server, and both
// follow that one to its end.
func TestTwoAsksMakeOneBackup(t *testing.T) {
	ctx := context.Background()
	s := apptest.Start(t)
	s.AddUser("mum", "correct horse", false)
	id, err := connector.Probe(ctx, s.URL)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := connector.Join(ctx, id, "mum", "correct horse", "Laptop")
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, "letter.txt"), []byte("Dear Grandma"), 0o644)
	cfg.Backup.Include = []string{home}
	config := filepath.Join(t.TempDir(), "connector.json")
	if err := cfg.Save(config); err != nil {
		t.Fatal(err)
	}
	ln, err := localapi.Listen(config)
	if err != nil {
		t.Fatal(err)
	}
	// The backup waits until both have asked, so the second asks while the first runs.
	asked := make(chan struct{})
	a := &Agent{
		Settings: func() (connector.BackupSettings, error) { c, err := connector.Load(config); return c.Backup, err },
		Backup: func(ctx context.Context, job Job) (schema.Snapshot, error) {
			<-asked
			c, err := connector.Load(config)
			if err != nil {
				return schema.Snapshot{}, err
			}
			return backupclient.BackupWith(ctx, c, c.Backup, job.Progress, job.Waiting)
		},
		// Backed up a moment ago: the schedule starts nothing during the test.
		Last:     func(context.Context) (time.Time, error) { return time.Now(), nil },
		Listener: ln,
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { a.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()

	var wg sync.WaitGroup
	type answer struct {
		st      localapi.State
		started bool
		err     error
	}
	answers := make([]answer, 2)
	for i, by := range []string{localapi.ByTray, localapi.ByConsole} {
		wg.Go(func() {
			c, err := localapi.Dial(ctx, config)
			if err != nil {
				answers[i].err = err
				return
			}
			defer c.Close()
			answers[i].st, answers[i].started, answers[i].err = c.Backup(ctx, localapi.Request{By: by})
		})
	}
	wg.Wait()
	close(asked)
	started := 0
	for i, an := range answers {
		if an.err != nil {
			t.Fatalf("ask %d: %v", i, an.err)
		}
		if an.started {
			started++
		}
		if !an.st.Running || an.st.Run != 1 {
			t.Errorf("ask %d was answered with %+v; want backup 1 running", i, an.st)
		}
	}
	if started != 1 {
		t.Errorf("%d of the two asks started a backup; want one", started)
	}
	c, err := localapi.Dial(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	var last localapi.State
	c.Watch(wctx, func(st localapi.State) {
		if last = st; !st.Running && st.Last != nil {
			wcancel()
		}
	})
	if last.Last == nil || !last.Last.OK || last.Last.Run != 1 || last.Last.Snapshot == nil || !regexp.MustCompile(`^Backed up 1 file; [0-9.]+ [KMG]?i?B was new\.$`).MatchString(last.Last.Words) {
		t.Errorf("the state after the backup: %+v %+v", last, last.Last)
	}
	bc, err := backupclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if snaps, err := bc.Snapshots(ctx); err != nil || len(snaps) != 1 {
		t.Errorf("the server has %d backups (%v); want one", len(snaps), err)
	}
}
