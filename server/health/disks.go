package health

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/health/smart"
	"github.com/hearth-home/hearth/server/pool"
)

// diskRead is the last SMART reading of a drive's disk.
type diskRead struct {
	at  time.Time
	rep smart.Report
	err error
	why string // err in words, for the drive's line
}

// smartTimeout bounds one smartctl run: a dying disk can hang a command.
const smartTimeout = 30 * time.Second

// readDisks asks each present drive's disk for its SMART verdict when the last reading
// is SMARTEvery old. Drives that share a disk ask it once.
func (m *Monitor) readDisks(ctx context.Context, drives []pool.DriveInfo) {
	now := m.opt.Now()
	m.mu.Lock()
	prev := make(map[string]diskRead, len(m.disks))
	for id, r := range m.disks {
		prev[id] = r
	}
	m.mu.Unlock()

	byDevice := map[string][]string{} // device → drive IDs
	next := map[string]diskRead{}
	for _, d := range drives {
		old, ok := prev[d.ID]
		switch {
		case d.State == pool.StateMissing:
			continue
		case ok && now.Sub(old.at) < m.opt.SMARTEvery:
			next[d.ID] = old
			continue
		case m.opt.SMART == nil || m.opt.DeviceOf == nil:
			next[d.ID] = diskRead{at: now, err: errSMARTOff, why: "Not watched: SMART checks are turned off."}
			continue
		}
		dev, err := m.opt.DeviceOf(d.Path)
		if err != nil {
			next[d.ID] = failed(now, err)
			continue
		}
		byDevice[dev] = append(byDevice[dev], d.ID)
	}

	var mu sync.Mutex
	var wg sync.WaitGroup
	for dev, ids := range byDevice {
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, smartTimeout)
			defer cancel()
			rep, err := m.opt.SMART.Read(rctx, dev)
			r := diskRead{at: now, rep: rep}
			if err != nil {
				r = failed(now, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, id := range ids {
				next[id] = keepAwake(prev[id], r)
			}
		})
	}
	wg.Wait()
	m.mu.Lock()
	m.disks = next
	m.mu.Unlock()
}

var errSMARTOff = errors.New("SMART checks are off")

// failed turns a reading that could not be made into words for the drive's line.
func failed(now time.Time, err error) diskRead {
	why := "The drive's own health could not be read: " + err.Error()
	switch {
	case errors.Is(err, smart.ErrNotInstalled):
		why = "Not watched: smartctl is not installed. Install smartmontools so Hearth can warn before the disk fails."
	case errors.Is(err, smart.ErrNoSMART):
		why = "This drive cannot report its own health: " + err.Error()
	}
	return diskRead{at: now, err: err, why: why}
}

// keepAwake keeps the last real verdict of a disk that was asleep this time: asking
// again would have woken it, and sleeping is not a problem.
func keepAwake(old, cur diskRead) diskRead {
	if cur.err == nil && cur.rep.Asleep && old.err == nil && !old.at.IsZero() && !old.rep.Asleep {
		old.at = cur.at
		return old
	}
	return cur
}
