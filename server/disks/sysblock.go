package disks

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/internal/mountinfo"
)

// Disk is a disk, or a partition of one, with nothing mounted from it and nothing else
// using it (no RAID, LVM or encryption above it).
type Disk struct {
	Device    string // "/dev/sdb", "/dev/sdc1"
	Size      uint64
	Model     string `json:",omitempty"`
	Removable bool
	// Reason says why it is not offered, in words.
	Reason string
}

// notDisks are kernel block devices that are not disks a person plugged in.
var notDisks = []string{"loop", "ram", "zram", "sr", "fd", "dm-", "md", "nbd", "mtdblock"}

// unusedDisks lists, from sysfs at root, the disks and partitions nothing uses. A disk
// with partitions is judged by its partitions; a partition or disk is used when it is
// mounted (by device number) or holds something else (holders/).
func unusedDisks(root string, mounts []mountinfo.Mount) ([]Disk, error) {
	mounted := map[string]bool{}
	for _, m := range mounts {
		mounted[m.Dev] = true
	}
	entries, err := os.ReadDir(filepath.Join(root, "block"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no sysfs here: no disks to show
	}
	if err != nil {
		return nil, fmt.Errorf("list the disks: %w", err)
	}
	var out []Disk
	for _, e := range entries {
		name := e.Name()
		if skipDevice(name) {
			continue
		}
		dir := filepath.Join(root, "block", name)
		parts := partitions(dir, name)
		model := strings.TrimSpace(readString(filepath.Join(dir, "device", "model")))
		removable := readString(filepath.Join(dir, "removable")) == "1"
		if len(parts) == 0 {
			if free(dir, mounted) {
				out = append(out, disk(dir, name, model, removable, "It has no file system that is mounted; it may be empty or need formatting. Format and mount it, then add it."))
			}
			continue
		}
		// A disk with any partition in use is the system's or already used (its other
		// partitions may be swap or a boot loader's, which the mount table does not show).
		var unused []string
		for _, p := range parts {
			if free(filepath.Join(dir, p), mounted) {
				unused = append(unused, p)
			} else if sectors(filepath.Join(dir, p)) > 0 {
				unused = nil
				break
			}
		}
		for _, p := range unused {
			out = append(out, disk(filepath.Join(dir, p), p, model, removable, "This partition is not mounted; it may need formatting. Format and mount it, then add it."))
		}
	}
	return out, nil
}

func skipDevice(name string) bool {
	for _, p := range notDisks {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func partitions(dir, name string) []string {
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), name) {
			if _, err := os.Stat(filepath.Join(dir, e.Name(), "partition")); err == nil {
				out = append(out, e.Name())
			}
		}
	}
	return out
}

// free: nothing mounted from the device at dir, nothing built on it, and not empty.
func free(dir string, mounted map[string]bool) bool {
	if mounted[readString(filepath.Join(dir, "dev"))] {
		return false
	}
	if holders, _ := os.ReadDir(filepath.Join(dir, "holders")); len(holders) > 0 {
		return false
	}
	return sectors(dir) > 0
}

func disk(dir, name, model string, removable bool, reason string) Disk {
	return Disk{Device: "/dev/" + name, Size: sectors(dir) * 512, Model: model, Removable: removable, Reason: reason}
}

// sectors is the device's size file: its size in 512-byte sectors, whatever its block size.
func sectors(dir string) uint64 {
	n, _ := strconv.ParseUint(readString(filepath.Join(dir, "size")), 10, 64)
	return n
}

func readString(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}
