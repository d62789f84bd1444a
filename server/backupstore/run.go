package backupstore

import (
	"context"
	"time"
)

// gcEvery is how often garbage collection runs; the first run waits a little after start
// so a server that restarts often still collects, without delaying its start.
const (
	gcEvery = 24 * time.Hour
	gcFirst = 15 * time.Minute
)

// Run does the nightly cleanup (retention, then garbage collection) once a day until ctx
// ends.
func (s *Store) Run(ctx context.Context) error {
	t := time.NewTimer(gcFirst)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := s.Cleanup(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("the nightly cleanup of backups failed; it runs again tomorrow", "err", err)
		}
		t.Reset(gcEvery)
	}
}
