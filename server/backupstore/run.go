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

// Run collects garbage once a day until ctx ends.
func (s *Store) Run(ctx context.Context) error {
	t := time.NewTimer(gcFirst)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := s.GC(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("backup garbage collection failed; it runs again tomorrow", "err", err)
		}
		t.Reset(gcEvery)
	}
}
