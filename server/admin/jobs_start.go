package admin

import (
	"context"
	"fmt"
	"strings"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/pool"
)

// Jobs lists the running and recent background jobs, newest first.
func (l Local) Jobs(ctx context.Context) ([]Job, error) {
	if l.Background == nil {
		return []Job{}, nil
	}
	return l.Background.List(), nil
}

// StartScrub starts a scrub in the background and returns at once.
func (l Local) StartScrub(ctx context.Context) (Job, error) {
	if l.Background == nil {
		return Job{}, ErrNoDaemon
	}
	return l.Background.start(JobScrub, "", func(ctx context.Context) (string, error) {
		rep, err := l.Pool.Scrub(ctx)
		if err != nil {
			return "The check stopped before the end; start it again to finish it.", err
		}
		return scrubResult(rep), nil
	})
}

// StartRepair starts a repair pass in the background and returns at once.
func (l Local) StartRepair(ctx context.Context) (Job, error) {
	if l.Background == nil {
		return Job{}, ErrNoDaemon
	}
	return l.Background.start(JobRepair, "", func(ctx context.Context) (string, error) {
		rep, err := l.Pool.Repair(ctx)
		if err != nil {
			return "The repair stopped before the end; start it again to finish it.", err
		}
		return repairResult(rep), nil
	})
}

// StartRemoveDrive starts moving a drive's files to the others in the background, then
// releases it; it returns at once. A drive that is not in the pool, or whose files the
// other drives cannot take, is refused now rather than as a failed job.
func (l Local) StartRemoveDrive(ctx context.Context, which string, opt pool.RemoveOptions) (Job, error) {
	if l.Background == nil {
		return Job{}, ErrNoDaemon
	}
	if err := l.Pool.CheckRemoveDrive(ctx, which, opt); err != nil {
		return Job{}, err
	}
	label := which
	if ds, err := l.Pool.Drives(ctx); err == nil {
		for _, d := range ds {
			if d.Path == which || d.Label == which || d.ID == which {
				label = d.Label
			}
		}
	}
	return l.Background.start(JobRemoveDrive, label, func(ctx context.Context) (string, error) {
		rep, err := l.RemoveDrive(ctx, which, opt)
		if err != nil {
			return fmt.Sprintf("Drive %s is not removed yet: it takes no new files, and starting the removal again finishes it.", label), err
		}
		return removeResult(label, rep), nil
	})
}

func scrubResult(r pool.ScrubReport) string {
	s := fmt.Sprintf("Checked %s (%s).", count(r.Files, "file", "files"), human.Bytes(r.Bytes))
	switch {
	case r.Bad == 0:
		s += " Every copy is good."
	case len(r.Damaged) == 0:
		s += fmt.Sprintf(" Found %s and repaired %d from good copies.", count(r.Bad, "bad copy", "bad copies"), r.Healed)
	default:
		s += fmt.Sprintf(" Found %s; %s no good copy left: %s.", count(r.Bad, "bad copy", "bad copies"),
			count(len(r.Damaged), "file has", "files have"), strings.Join(r.Damaged, ", "))
	}
	if r.Skipped > 0 {
		s += fmt.Sprintf(" %s being changed meanwhile will be checked next time.", count(r.Skipped, "file", "files"))
	}
	return s
}

func repairResult(r pool.RepairReport) string {
	if r.Copied+r.Thinned+r.Healed == 0 && r.Waiting == 0 {
		return "Nothing needed repair: every file has its copies."
	}
	var parts []string
	if r.Copied > 0 {
		parts = append(parts, "made "+count(r.Copied, "missing copy", "missing copies"))
	}
	if r.Thinned > 0 {
		parts = append(parts, "removed "+count(r.Thinned, "extra copy", "extra copies"))
	}
	if r.Healed > 0 {
		parts = append(parts, "rewrote "+count(r.Healed, "damaged copy", "damaged copies"))
	}
	s := ""
	if len(parts) > 0 {
		s = "Repaired: " + strings.Join(parts, ", ") + "."
	}
	if r.Waiting > 0 {
		s = strings.TrimSpace(s + " " + count(r.Waiting, "file still waits", "files still wait") +
			" for room or for a drive to come back.")
	}
	return s
}

func removeResult(label string, r pool.RemoveReport) string {
	s := fmt.Sprintf("Drive %s is removed: %s (%s) moved to the other drives.", label, count(r.Moved, "file", "files"), human.Bytes(r.Bytes))
	if len(r.Lost) > 0 {
		s += fmt.Sprintf(" %s had no other copy and are lost: %s.", count(len(r.Lost), "file", "files"), strings.Join(r.Lost, ", "))
	}
	return s
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
