package smart

import (
	"fmt"
	"strings"
)

// Every sentence a Report can carry, in one place so the set can be reviewed. They are
// read by a family: say what it means and what to do, not which bit was set.
const (
	sayAsleep     = "The drive is asleep; it was left to sleep and will be checked later."
	sayNoData     = "The drive gave no SMART health data, so its health is unknown."
	sayIncomplete = "Some of the drive's health checks could not be run, so this verdict is incomplete."
	sayCannotOpen = "The server could not open the drive to ask about its health."
	sayBadRequest = "The server could not ask the drive about its health."

	sayFailing       = "The drive's own health check says it is failing. Move its files off now."
	sayPrefailNow    = "Some of the drive's vital signs are past the maker's failure limit: it is failing. Move its files off now."
	sayPastThreshold = "Some of the drive's vital signs went past the maker's limit in the past. Keep an eye on it."
	sayErrorLog      = "The drive has recorded %s. Make sure its files are duplicated."
	saySelfTest      = "The drive failed %s. Plan to replace it."

	sayAttrNow       = "The drive's %s reading is past the maker's failure limit: it is failing. Move its files off now."
	sayAttrPast      = "The drive's %s reading went past the maker's limit in the past. Keep an eye on it."
	sayReallocated   = "The drive reports %s: it is wearing out. Plan to replace it."
	sayPending       = "The drive has %s it could not read, waiting to be swapped for spares: it may be failing. Plan to replace it."
	sayUncorrectable = "The drive has %s it could not read or repair: some data on it may be lost. Plan to replace it."

	saySpareLow      = "The drive is running out of spare space to replace worn cells (%d%% left, its limit is %d%%): it is failing. Move its files off now."
	sayTooHot        = "The drive says its temperature is outside its safe range. Check that the box's fan turns and air can flow around it."
	sayDegraded      = "The drive says its reliability is degraded by internal errors. Move its files off now."
	sayReadOnly      = "The drive has made itself read-only to protect its data. Move its files off now."
	sayBackupFailed  = "The drive's power-loss protection has failed, so a power cut could lose data. Move its files off now."
	sayPMRReadOnly   = "The drive's persistent memory has become read-only. Move its files off now."
	sayMediaErrors   = "The drive has had %s (data it could not read back correctly): it may be wearing out. Make sure its files are duplicated."
	sayWearing       = "The drive has used %d%% of its rated write life. Plan to replace it."
	sayWornOut       = "The drive has used up its rated write life (%d%%). Replace it soon."
	sayGrownDefects  = "The drive reports %s found since it was made: it is wearing out. Plan to replace it."
	sayNoAccess      = "The server may not ask %s about its health: it must run as the system's administrator (root) or be given access to the disk."
	sayNoAccessRoot  = "The system does not let the server ask %s about its health, although it runs as root. In a container, give it the disk and the right to read its health (CAP_SYS_RAWIO)."
	sayCannotFind    = "The disk %s is not there any more."
	sayCannotAsk     = "The server could not open %s to ask about its health."
	sayUnknownDevice = "This disk (%s) does not report its health: it is a virtual disk, or its controller hides it. Hearth cannot warn before it fails; keep its files duplicated."
	sayUnknownBridge = "This disk (%s) is in a USB case that does not pass on its health. Hearth cannot warn before it fails; keep its files duplicated."
	sayRefused       = "The server could not ask %s about its health."
	sayTooOld        = "The server could not make sense of what its disk health tool said about %s: it needs smartmontools 7.0 or newer."
)

// count says "1 reallocated sector" or "24 reallocated sectors".
func count(n uint64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// attrName turns smartctl's "Reallocated_Sector_Ct" into "Reallocated Sector Ct".
func attrName(name string, id int) string {
	if name == "" || strings.HasPrefix(name, "Unknown_") {
		return fmt.Sprintf("attribute %d", id)
	}
	return strings.ReplaceAll(name, "_", " ")
}

// noPeriod drops a message's final period so it can sit inside a sentence.
func noPeriod(s string) string {
	return strings.TrimRight(strings.TrimSpace(s), ".")
}
