// Package smart reads a disk's own health verdict (SMART) through smartctl's JSON output
// and finds the disk that holds a pool drive's folder.
package smart

import (
	"context"
	"errors"
)

// Report is what one disk says of its own health, and Hearth's verdict on it.
type Report struct {
	Device       string // "/dev/sda"
	Model        string
	Serial       string
	Kind         string // smartctl's device type: "sat", "ata", "nvme", "scsi", "usbjmicron"…
	Capacity     uint64 // bytes
	PowerOnHours uint64
	Temperature  int // °C; 0 when the disk does not say
	// Passed is the disk's overall self-assessment (smart_status.passed), nil when it
	// gave none.
	Passed *bool
	// State is schema.Good, schema.Unknown, schema.Warning or schema.Critical; see
	// decode.go for the rules.
	State string
	// Problems says what is wrong, worst first, one plain sentence each. For an Unknown
	// state it says why the disk could not be judged.
	Problems []string
	// Asleep is set when the disk was spun down and was left asleep rather than woken to
	// be asked: State is then Unknown, and the last verdict still stands.
	Asleep bool
}

// Reader asks a disk for its SMART report.
//
// Read returns a Report, possibly with State Unknown and a reason in Problems, whenever
// the disk answered or was found asleep. It returns an error when nothing could be asked:
// ErrNotInstalled, an error wrapping ErrNoSMART for disks that cannot report (virtual
// disks, some RAID controllers), *AccessError when the device cannot be opened, or the
// context's error when ctx ends first. Read never wakes a sleeping disk. It is safe for
// concurrent use.
type Reader interface {
	Read(ctx context.Context, device string) (Report, error)
}

var (
	// ErrNotInstalled means smartctl (smartmontools) is not installed.
	ErrNotInstalled = errors.New("smartctl is not installed")
	// ErrNoSMART means the device cannot report SMART data: it is a loop device, an LVM
	// or RAID volume, a network or virtual file system, or a disk smartctl cannot address.
	// It is always wrapped with the reason.
	ErrNoSMART = errors.New("SMART is not available")
)
