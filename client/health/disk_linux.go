package health

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/hearth-home/hearth/internal/mountinfo"
	"github.com/hearth-home/hearth/server/api/schema"
)

func linuxDisksProbe() Probe {
	return disksProbe(func(ctx context.Context) []schema.Check {
		disks, err := linuxDisks(ctx, "/proc/self/mountinfo")
		return diskChecks(disks, err)
	})
}

// linuxDisks reads the usage of every fixed disk listed in the mountinfo file. A disk that
// cannot be read is left out, and the error says which.
func linuxDisks(ctx context.Context, table string) ([]diskUsage, error) {
	mounts, err := mountinfo.ReadFile(table)
	if err != nil {
		return nil, fmt.Errorf("read the list of disks: %w", err)
	}
	points := []string{}
	for _, m := range fixedDisks(mounts) {
		points = append(points, m.Point)
	}
	if len(points) == 0 {
		// / on no block device of its own: a container's or a live system's overlay. Its
		// numbers are still those of the disk beneath.
		points = append(points, "/")
	}
	var disks []diskUsage
	var errs []error
	for _, point := range points {
		if ctx.Err() != nil {
			return disks, ctx.Err()
		}
		u, err := statfsUsage(point)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		disks = append(disks, u)
	}
	return disks, errors.Join(errs...)
}

func statfsUsage(path string) (diskUsage, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return diskUsage{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	// Blocks count in fragment-size units; old kernels leave Frsize zero.
	size := uint64(st.Frsize)
	if size == 0 {
		size = uint64(st.Bsize)
	}
	return diskUsage{Mount: path, Free: st.Bavail * size, Total: st.Blocks * size}, nil
}
