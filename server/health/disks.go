package health

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/health/smart"
	"github.com/hearth-home/hearth/server/pool"
)

// diskRead is the last SMART reading of a drive's disk.
type diskRead struct {
	at   time.Time
	rep  smart.Report
	err  error
	why  string // err in words, for the drive's line
	note string // why rep is an earlier reading: the disk slept or did not answer now
}

// smartTimeout bounds finding and asking one disk: a dying disk can hang a command, and
// even a stat of its folder.
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

	next := map[string]diskRead{}
	var due []pool.DriveInfo
	for _, d := range drives {
		old, ok := prev[d.ID]
		switch {
		case d.State == pool.StateMissing:
		case ok && now.Sub(old.at) < m.opt.SMARTEvery:
			next[d.ID] = old
		case m.opt.SMART == nil || m.opt.DeviceOf == nil:
			next[d.ID] = diskRead{at: now, err: errSMARTOff, why: "Not watched: SMART checks are turned off."}
		default:
			due = append(due, d)
		}
	}
	var mu sync.Mutex
	byDevice := map[string][]string{} // device → drive IDs
	var wg sync.WaitGroup
	for _, d := range due {
		wg.Go(func() {
			dev, err := m.deviceOf(ctx, d.Path)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				next[d.ID] = keepLast(prev[d.ID], failed(now, err))
				return
			}
			byDevice[dev] = append(byDevice[dev], d.ID)
		})
	}
	wg.Wait()
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
				next[id] = keepLast(prev[id], r)
			}
		})
	}
	wg.Wait()
	m.mu.Lock()
	m.disks = next
	m.mu.Unlock()
}

// deviceOf finds the disk behind path, giving up after smartTimeout: the lookup stats the
// folder, which can hang on a dying disk. A lookup that hangs is left to finish alone.
func (m *Monitor) deviceOf(ctx context.Context, path string) (string, error) {
	type answer struct {
		dev string
		err error
	}
	done := make(chan answer, 1)
	go func() {
		dev, err := m.opt.DeviceOf(path)
		done <- answer{dev, err}
	}()
	t := time.NewTimer(smartTimeout)
	defer t.Stop()
	select {
	case a := <-done:
		return a.dev, a.err
	case <-t.C:
		return "", fmt.Errorf("finding the disk behind %s took longer than %v", path, smartTimeout)
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

var errSMARTOff = errors.New("SMART checks are off")

// failed turns a reading that could not be made into words for the drive's line.
func failed(now time.Time, err error) diskRead {
	why := "The drive did not answer when asked about its health; it is asked again later."
	switch {
	case errors.Is(err, smart.ErrNotInstalled):
		why = "Not watched: the disk health tool (smartmontools) is not installed on the server. Install it so Hearth can warn before the disk fails."
	case errors.Is(err, smart.ErrNoSMART), errors.As(err, new(*smart.AccessError)):
		why = err.Error() // a sentence already
	}
	return diskRead{at: now, err: err, why: why}
}

// keepLast keeps the last real verdict of a disk that was asleep this time (asking would
// have woken it) or did not answer (a dying disk often times out): neither clears a
// failing verdict. A disk that cannot report SMART at all has no verdict to keep.
func keepLast(old, cur diskRead) diskRead {
	hadVerdict := old.err == nil && !old.at.IsZero() && !old.rep.Asleep
	switch {
	case !hadVerdict:
		return cur
	case cur.err == nil && cur.rep.Asleep:
		old.note = "Asleep now; its last answer:"
	case cur.err != nil && !errors.Is(cur.err, smart.ErrNoSMART) && !errors.Is(cur.err, smart.ErrNotInstalled) && !errors.Is(cur.err, errSMARTOff):
		old.note = "It did not answer just now; its last answer:"
	default:
		return cur
	}
	old.at = cur.at
	return old
}
