package backupclient

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The PC keeps, beside its settings, a lock held by the one backup of it running there
// (the system drops it when that program ends, however it ends), and the session that
// backup began. A backup that finds the lock free and a session recorded knows the
// program that began it is gone, and ends that session on the server, which would
// otherwise refuse a new backup of this PC until it lapsed.
func (c *Client) runFiles() (lock, session string) {
	if c.cfg.Path == "" {
		return "", ""
	}
	dir := filepath.Dir(c.cfg.Path)
	return filepath.Join(dir, "backup.lock"), filepath.Join(dir, "backup.session")
}

// lockRun takes the PC's backup lock, waiting for another backup of it to end when opt
// says so. Without a settings file there is no lock, and release does nothing.
func (c *Client) lockRun(ctx context.Context, opt Options) (release func(), err error) {
	lockPath, _ := c.runFiles()
	if lockPath == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock this PC's backups: %w", err)
	}
	told := false
	for {
		held, err := tryLock(f)
		switch {
		case err != nil:
			f.Close()
			return nil, fmt.Errorf("lock this PC's backups: %w", err)
		case !held:
			return func() { f.Close() }, nil
		case opt.Waiting == nil:
			f.Close()
			return nil, fmt.Errorf("%w: another program on this PC is backing it up; try again when it has finished", ErrRunning)
		case !told:
			opt.Waiting("another program on this PC is backing it up")
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(cmp.Or(opt.WaitEvery, 15*time.Second)):
		}
	}
}

// endLeftSession ends on the server the session a backup of this PC left when its
// program was stopped. The caller holds the PC's backup lock.
func (c *Client) endLeftSession(ctx context.Context) {
	_, path := c.runFiles()
	if path == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if id := strings.TrimSpace(string(b)); id != "" {
		if resp, err := c.do(ctx, http.MethodDelete, "/api/v1/backup/sessions/"+url.PathEscape(id), nil, ""); err == nil {
			resp.Body.Close()
		}
	}
	os.Remove(path)
}

// noteSession records the session this backup began (id "" forgets it).
func (c *Client) noteSession(id string) {
	_, path := c.runFiles()
	if path == "" {
		return
	}
	if id == "" {
		os.Remove(path)
		return
	}
	os.WriteFile(path, []byte(id+"\n"), 0o600)
}
