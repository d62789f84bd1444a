package smart

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/hearth-home/hearth/server/api/schema"
)

// nvmeLog is an NVMe disk's SMART / Health Information log page (NVMe spec, log 02h).
type nvmeLog struct {
	CriticalWarning         int     `json:"critical_warning"`
	AvailableSpare          int     `json:"available_spare"`           // percent
	AvailableSpareThreshold int     `json:"available_spare_threshold"` // percent
	PercentageUsed          int     `json:"percentage_used"`           // of rated endurance; may pass 100
	MediaErrors             counter `json:"media_errors"`
	PowerOnHours            counter `json:"power_on_hours"`
}

// Bits of critical_warning, each a condition the drive itself calls critical.
const (
	nvmeSpareLow     = 1 << iota // available spare below its threshold
	nvmeTemperature              // temperature above or below a threshold
	nvmeDegraded                 // reliability degraded by media or internal errors
	nvmeReadOnly                 // media placed in read-only mode
	nvmeBackupFailed             // volatile memory backup device failed
	nvmePMRReadOnly              // persistent memory region read-only or unreliable
)

// Percentages of rated endurance used from which a drive is worn.
const (
	wearWarnPercent = 90
	wornOutPercent  = 100
)

// judgeNVMe reads the health log.
func (v *verdict) judgeNVMe(l *nvmeLog) {
	if l == nil {
		return
	}
	v.judged = true
	// The spare check and critical_warning bit 0 are the same condition: one sentence,
	// with the numbers.
	if l.AvailableSpare < l.AvailableSpareThreshold || l.CriticalWarning&nvmeSpareLow != 0 {
		v.add(schema.Critical, fmt.Sprintf(saySpareLow, l.AvailableSpare, l.AvailableSpareThreshold))
	}
	for _, w := range []struct {
		bit   int
		state string
		say   string
	}{
		{nvmeTemperature, schema.Warning, sayTooHot},
		{nvmeDegraded, schema.Critical, sayDegraded},
		{nvmeReadOnly, schema.Critical, sayReadOnly},
		{nvmeBackupFailed, schema.Critical, sayBackupFailed},
		{nvmePMRReadOnly, schema.Critical, sayPMRReadOnly},
	} {
		if l.CriticalWarning&w.bit != 0 {
			v.add(w.state, w.say)
		}
	}
	if l.MediaErrors.n > 0 {
		v.add(schema.Warning, fmt.Sprintf(sayMediaErrors, count(l.MediaErrors.n, "media error", "media errors")))
	}
	switch {
	case l.PercentageUsed >= wornOutPercent:
		v.add(schema.Warning, fmt.Sprintf(sayWornOut, l.PercentageUsed))
	case l.PercentageUsed >= wearWarnPercent:
		v.add(schema.Warning, fmt.Sprintf(sayWearing, l.PercentageUsed))
	}
}

// counter is an NVMe 128-bit counter. smartctl prints it as a JSON number that may not
// fit 64 bits; a count that large saturates rather than failing the whole report.
type counter struct{ n uint64 }

func (c *counter) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var num json.Number
	if err := json.Unmarshal(b, &num); err != nil {
		return fmt.Errorf("counter: %w", err)
	}
	n, err := strconv.ParseUint(num.String(), 10, 64)
	if err == nil {
		c.n = n
		return nil
	}
	if errors.Is(err, strconv.ErrRange) {
		c.n = math.MaxUint64
		return nil
	}
	f, ferr := num.Float64()
	switch {
	case ferr != nil && !errors.Is(ferr, strconv.ErrRange), f < 0, math.IsNaN(f):
		return fmt.Errorf("counter: %s is not a count", num)
	case f >= math.MaxUint64:
		c.n = math.MaxUint64
	default:
		c.n = uint64(f)
	}
	return nil
}
