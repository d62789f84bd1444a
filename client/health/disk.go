package health

import (
	"fmt"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
)

// diskUsage is the space on one fixed disk, as an ordinary user may use it: Free leaves out
// the blocks an ext4 file system keeps back for root.
type diskUsage struct {
	Mount       string // "/", "/home", `C:`
	Free, Total uint64
}

const gib = 1 << 30

// Sizes are written by human.Bytes, in binary units (GiB), the one unit system of every
// Hearth text: the server's console and CLI use it too, so a PC's disk and a server drive
// read alike on one page.
//
// A disk is short of space below the smaller of a share of its size and a fixed amount. The
// share protects small disks (on a 64 GB laptop, 5 GiB free is already tight); the fixed
// amount keeps a 4 TB disk with 300 GB free from nagging. Below 5 GiB, updates start to fail
// (a Windows feature update wants about 10); below 1 GiB programs and backups do.
const (
	diskWarnPercent  = 10
	diskWarnBytes    = 5 * gib
	diskCritPercent  = 2
	diskCritBytes    = 1 * gib
	freeSpaceAdvice  = "Free some space: empty the trash or remove programs and files you no longer use."
	freeSpaceUrgency = "Free some space soon, or programs and backups will stop working: empty the trash or remove programs and files you no longer use."
)

// diskState says how full a disk is, by the thresholds above.
func diskState(u diskUsage) string {
	switch {
	case u.Free < min(u.Total/100*diskCritPercent, diskCritBytes):
		return schema.Critical
	case u.Free < min(u.Total/100*diskWarnPercent, diskWarnBytes):
		return schema.Warning
	default:
		return schema.Good
	}
}

// diskCheck turns a disk's usage into its check.
func diskCheck(u diskUsage) schema.Check {
	c := schema.Check{
		ID:    "disk:" + u.Mount,
		Area:  areaStorage,
		State: diskState(u),
		Title: "Disk " + u.Mount,
	}
	amounts := fmt.Sprintf("%s free of %s (%s)", human.Bytes(int64(u.Free)), human.Bytes(int64(u.Total)), percentFree(u))
	switch c.State {
	case schema.Critical:
		c.Sentence = fmt.Sprintf("Disk %s is almost full: %s. %s", u.Mount, amounts, freeSpaceUrgency)
	case schema.Warning:
		c.Sentence = fmt.Sprintf("Disk %s is getting full: %s. %s", u.Mount, amounts, freeSpaceAdvice)
	default:
		c.Sentence = fmt.Sprintf("Disk %s has %s.", u.Mount, amounts)
	}
	return c
}

func percentFree(u diskUsage) string {
	if u.Total == 0 {
		return "0%"
	}
	p := float64(u.Free) / float64(u.Total) * 100
	if p > 0 && p < 1 {
		return "less than 1%"
	}
	return fmt.Sprintf("%.0f%%", p)
}

// diskChecks makes the checks of all disks, or one unknown check when none could be read.
func diskChecks(disks []diskUsage, err error) []schema.Check {
	var checks []schema.Check
	for _, d := range disks {
		if d.Total > 0 {
			checks = append(checks, diskCheck(d))
		}
	}
	if len(checks) == 0 {
		checks = append(checks, schema.Check{ID: "disk", Area: areaStorage, State: schema.Unknown,
			Title: "Disks", Sentence: couldNot("the free space on this computer's disks", err)})
	}
	return checks
}
