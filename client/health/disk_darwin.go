package health

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// darwinDisks reads the startup disk. Since Catalina, / is a read-only system volume and
// the user's files live on /System/Volumes/Data; both are APFS volumes in one container
// and share its space, so they report the same numbers and count as one disk, named /.
func darwinDisks() ([]diskUsage, error) {
	var disks []diskUsage
	var errs []error
	seen := map[[2]int32]bool{}
	for _, path := range []string{"/", "/System/Volumes/Data"} {
		var st unix.Statfs_t
		if err := unix.Statfs(path, &st); err != nil {
			errs = append(errs, fmt.Errorf("statfs %s: %w", path, err))
			continue
		}
		u := diskUsage{Mount: path, Free: st.Bavail * uint64(st.Bsize), Total: st.Blocks * uint64(st.Bsize)}
		if seen[st.Fsid.Val] || sameContainer(disks, u) {
			continue
		}
		seen[st.Fsid.Val] = true
		disks = append(disks, u)
	}
	if len(disks) > 0 {
		return disks, nil
	}
	return nil, errors.Join(errs...)
}

// sameContainer says whether u has the size of a disk already read: APFS volumes of one
// container report the container's size and free space.
func sameContainer(disks []diskUsage, u diskUsage) bool {
	for _, d := range disks {
		if d.Total == u.Total {
			return true
		}
	}
	return false
}
