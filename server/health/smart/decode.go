package smart

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
)

// The severity rules. A Report's State is the worst of everything below; with no
// finding and some health data read, it is Good.
//
// From smartctl's exit status (a bitmask, see smartctl(8) "EXIT STATUS"):
//
//	bit 0  command line not understood           → Unknown, with smartctl's message
//	bit 1  device could not be opened/identified → Unknown, with smartctl's message;
//	       or the disk is asleep (-n standby)    → Unknown, Asleep, nothing else judged
//	bit 2  a SMART command failed or bad checksum → Unknown: the verdict is incomplete,
//	       or there is no health data at all
//	bit 3  SMART status says DISK FAILING        → Critical
//	bit 4  a pre-fail attribute is past its threshold now   → Critical
//	bit 5  an attribute was past its threshold in the past  → Warning
//	bit 6  the device error log has errors      → Warning
//	bit 7  the self-test log has errors         → Warning
//
// From the data itself (the bits above may be missing in saved outputs):
//
//	smart_status.passed == false                      → Critical
//	ATA attribute when_failed "now"                   → Critical; "past" → Warning
//	ATA 5, 197, 198 (reallocated, pending, offline uncorrectable) raw > 0 → Warning
//	NVMe available_spare < available_spare_threshold  → Critical
//	NVMe critical_warning: spare low, reliability degraded, read-only, volatile
//	     backup failed, PMR read-only                 → Critical
//	NVMe critical_warning temperature bit             → Warning: it is fixed with air,
//	     not by replacing the drive, and clears itself when the drive cools
//	NVMe media_errors > 0                             → Warning
//	NVMe percentage_used ≥ 90                         → Warning, and still Warning at
//	     ≥ 100: it is the maker's endurance estimate, drives often run well past it,
//	     and the signs of real failure (spare, critical_warning) are Critical already
//	SCSI scsi_grown_defect_list > 0                   → Warning
//
// A disk that gives no health data at all (no smart_status, attributes or health log)
// is Unknown.
//
// The readers (Smartctl, Recorded) return an error instead of a Report when smartctl
// could not ask the disk anything (see classify): bit 0 for a device it cannot address
// (ErrNoSMART, or fs.ErrNotExist when there is no such path), bit 1 when the device was
// never opened (*AccessError).

// Exit status bits of smartctl.
const (
	bitCmdLine       = 1 << iota // command line did not parse
	bitOpen                      // device open failed, no IDENTIFY, or low-power mode
	bitCommand                   // a SMART or other command failed, or a checksum error
	bitFailing                   // SMART status: DISK FAILING
	bitPrefailNow                // pre-fail attribute at or below threshold
	bitPastThreshold             // an attribute was at or below threshold in the past
	bitErrorLog                  // device error log contains errors
	bitSelfTestLog               // self-test log contains errors
)

// output is the part of smartctl's JSON (format version 1) that Hearth reads.
type output struct {
	Version  []int `json:"json_format_version"`
	Smartctl *struct {
		Argv       []string  `json:"argv"`
		Messages   []message `json:"messages"`
		ExitStatus *int      `json:"exit_status"`
	} `json:"smartctl"`
	Device *struct {
		Name     string `json:"name"`
		Type     string `json:"type"`
		Protocol string `json:"protocol"`
	} `json:"device"`
	ModelName    string `json:"model_name"`
	Vendor       string `json:"vendor"`
	Product      string `json:"product"`
	SerialNumber string `json:"serial_number"`
	UserCapacity struct {
		Bytes uint64 `json:"bytes"`
	} `json:"user_capacity"`
	NVMeTotalCapacity uint64 `json:"nvme_total_capacity"`
	PowerOnTime       struct {
		Hours *uint64 `json:"hours"`
	} `json:"power_on_time"`
	Temperature struct {
		Current int `json:"current"`
	} `json:"temperature"`
	SmartStatus *struct {
		Passed *bool `json:"passed"`
	} `json:"smart_status"`
	ataData
	NVMe         *nvmeLog `json:"nvme_smart_health_information_log"`
	GrownDefects *uint64  `json:"scsi_grown_defect_list"`
}

type message struct {
	String   string `json:"string"`
	Severity string `json:"severity"`
}

// Decode reads smartctl's JSON output (smartctl -j, with -a, -x or fewer sections) into
// a Report, judging the disk by the rules above. The exit status is taken from the
// output's smartctl.exit_status. It returns an error for input that is not smartctl JSON
// of format version 1 (or the 0.x that preceded it).
func Decode(b []byte) (Report, error) {
	return decode(b, -1)
}

// decode is Decode with the process's exit code, or -1 when there is none.
func decode(b []byte, code int) (Report, error) {
	out, status, err := parse(b, code)
	if err != nil {
		return Report{}, err
	}
	return judge(out, status), nil
}

// parse reads smartctl's output and its exit status. When both the process's exit code
// and the output's exit_status are known they must agree.
func parse(b []byte, code int) (output, int, error) {
	var out output
	if err := json.Unmarshal(b, &out); err != nil {
		return output{}, 0, fmt.Errorf("decode smartctl output: %w", err)
	}
	if out.Smartctl == nil && out.Device == nil {
		return output{}, 0, errors.New("decode smartctl output: not smartctl JSON (no smartctl or device object)")
	}
	if len(out.Version) > 0 && out.Version[0] > 1 {
		return output{}, 0, fmt.Errorf("decode smartctl output: JSON format version %d is newer than the version 1 Hearth reads", out.Version[0])
	}
	status, err := exitStatus(out, code)
	if err != nil {
		return output{}, 0, err
	}
	return out, status, nil
}

// judge applies the severity rules.
func judge(out output, status int) Report {
	r := out.identity()
	var v verdict
	if status&bitOpen != 0 && out.asleep() {
		r.Asleep = true
		v.add(schema.Unknown, sayAsleep)
		return v.finish(r)
	}
	v.judgeStatus(out)
	v.judgeATA(out.ataData)
	v.judgeNVMe(out.NVMe)
	v.judgeSCSI(out.GrownDefects)
	v.exitBits(status, out)
	return v.finish(r)
}

// exitStatus picks the exit status from the process or the output, checking that they
// agree. An output with neither (saved by hand) counts as 0: only its data is judged.
func exitStatus(out output, code int) (int, error) {
	status := code
	if out.Smartctl != nil && out.Smartctl.ExitStatus != nil {
		s := *out.Smartctl.ExitStatus
		if s < 0 || s > 255 {
			return 0, fmt.Errorf("decode smartctl output: exit status %d is not a byte", s)
		}
		if code >= 0 && code != s {
			return 0, fmt.Errorf("decode smartctl output: it says exit status %d but smartctl exited with %d", s, code)
		}
		status = s
	}
	if status < 0 {
		status = 0
	}
	return status, nil
}

// identity fills what the disk says it is.
func (out output) identity() Report {
	r := Report{
		Model:       out.ModelName,
		Serial:      out.SerialNumber,
		Capacity:    out.UserCapacity.Bytes,
		Temperature: out.Temperature.Current,
	}
	if r.Model == "" {
		r.Model = strings.TrimSpace(out.Vendor + " " + out.Product)
	}
	if r.Capacity == 0 {
		r.Capacity = out.NVMeTotalCapacity
	}
	if out.PowerOnTime.Hours != nil {
		r.PowerOnHours = *out.PowerOnTime.Hours
	} else if out.NVMe != nil {
		r.PowerOnHours = out.NVMe.PowerOnHours.n
	}
	if out.Device != nil {
		r.Device, r.Kind = out.Device.Name, out.Device.Type
		if r.Kind == "" {
			r.Kind = strings.ToLower(out.Device.Protocol)
		}
	}
	if r.Device == "" && out.Smartctl != nil && len(out.Smartctl.Argv) > 1 {
		r.Device = out.Smartctl.Argv[len(out.Smartctl.Argv)-1] // smartctl's last argument is the device
	}
	if out.SmartStatus != nil && out.SmartStatus.Passed != nil {
		passed := *out.SmartStatus.Passed
		r.Passed = &passed
	}
	return r
}

// asleep tells whether smartctl stopped because the disk is in a low-power mode (-n).
// smartctl 7.x reports it as an information message, "Device is in STANDBY mode,
// exit(2)" (also SLEEP, IDLE, "STANDBY (OS)"), with exit status 2, which it shares with
// a device that could not be opened: the message is what tells them apart.
func (out output) asleep() bool {
	if out.Smartctl == nil {
		return false
	}
	for _, m := range out.Smartctl.Messages {
		if strings.HasPrefix(m.String, "Device is in ") && strings.Contains(m.String, " mode") {
			return true
		}
	}
	return false
}

// errorText is smartctl's own error messages, for a reason that names no bit.
func (out output) errorText() string {
	if out.Smartctl == nil {
		return ""
	}
	var msgs []string
	for _, m := range out.Smartctl.Messages {
		if m.Severity == "error" && strings.TrimSpace(m.String) != "" {
			msgs = append(msgs, noPeriod(m.String))
		}
	}
	return strings.Join(msgs, "; ")
}
