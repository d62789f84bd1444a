package smart

import (
	"fmt"

	"github.com/hearth-home/hearth/internal/mountinfo"
)

// mountOf finds the mount of the file system with device number major:minor in the
// mountinfo file name.
func mountOf(name string, major, minor uint32) (mountinfo.Mount, error) {
	mounts, err := mountinfo.ReadFile(name)
	if err != nil {
		return mountinfo.Mount{}, err
	}
	want := fmt.Sprintf("%d:%d", major, minor)
	for _, m := range mounts {
		if m.Dev == want {
			return m, nil
		}
	}
	return mountinfo.Mount{}, fmt.Errorf("no mount in %s has device number %s", name, want)
}
