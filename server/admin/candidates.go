package admin

import (
	"context"

	"github.com/hearth-home/hearth/internal/mountinfo"
	"github.com/hearth-home/hearth/server/disks"
)

// DriveCandidates lists what could join the pool: the mounted file systems that are not
// the system's, not this pool's drives already (nor another pool's, which are listed as
// not offered), and the disks with nothing mounted, which need formatting first.
func (l Local) DriveCandidates(ctx context.Context) (disks.Candidates, error) {
	table, sys := l.MountTable, l.SysRoot
	if table == "" {
		table = "/proc/self/mountinfo"
	}
	if sys == "" {
		sys = "/sys"
	}
	mounts, err := mountinfo.ReadFile(table)
	if err != nil {
		return disks.Candidates{}, err
	}
	ds, err := l.Pool.Drives(ctx)
	if err != nil {
		return disks.Candidates{}, err
	}
	opt := disks.Options{Mounts: mounts, SysRoot: sys}
	for _, d := range ds {
		opt.PoolDrives = append(opt.PoolDrives, d.Path)
	}
	return disks.Scan(opt)
}
