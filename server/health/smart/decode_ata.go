package smart

import (
	"fmt"

	"github.com/hearth-home/hearth/server/api/schema"
)

// ataData is what an ATA (or SATA behind a bridge) disk reports beyond its identity.
type ataData struct {
	Attributes *struct {
		Table []ataAttribute `json:"table"`
	} `json:"ata_smart_attributes"`
	ErrorLog *struct {
		Summary  *logCount `json:"summary"`  // -a: the SMART error log
		Extended *logCount `json:"extended"` // -x: the extended comprehensive error log
	} `json:"ata_smart_error_log"`
	SelfTestLog *struct {
		Standard *logCount `json:"standard"`
		Extended *logCount `json:"extended"`
	} `json:"ata_smart_self_test_log"`
}

type ataAttribute struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	WhenFailed string `json:"when_failed"` // "now", "past", or ""
	Raw        struct {
		Value uint64 `json:"value"`
	} `json:"raw"`
}

type logCount struct {
	Count           *uint64 `json:"count"`
	ErrorCountTotal *uint64 `json:"error_count_total"`
}

// Attributes whose raw value counts sectors gone bad. Any one of them above zero means
// the surface is failing in places; the count grows as the disk wears out.
const (
	attrReallocated   = 5   // Reallocated_Sector_Ct: sectors already replaced by spares
	attrPending       = 197 // Current_Pending_Sector: unreadable, waiting to be replaced
	attrUncorrectable = 198 // Offline_Uncorrectable: unreadable even by the offline scan
)

// judgeATA reads the attribute table: thresholds crossed, and sectors gone bad.
func (v *verdict) judgeATA(d ataData) {
	if d.Attributes == nil || len(d.Attributes.Table) == 0 {
		return
	}
	v.judged = true
	for _, a := range d.Attributes.Table {
		switch a.WhenFailed {
		case "now":
			v.add(schema.Critical, fmt.Sprintf(sayAttrNow, attrName(a.Name, a.ID)))
		case "past":
			v.add(schema.Warning, fmt.Sprintf(sayAttrPast, attrName(a.Name, a.ID)))
		}
		if a.Raw.Value == 0 {
			continue
		}
		switch a.ID {
		case attrReallocated:
			v.add(schema.Warning, fmt.Sprintf(sayReallocated, count(a.Raw.Value, "reallocated sector", "reallocated sectors")))
		case attrPending:
			v.add(schema.Warning, fmt.Sprintf(sayPending, count(a.Raw.Value, "sector", "sectors")))
		case attrUncorrectable:
			v.add(schema.Warning, fmt.Sprintf(sayUncorrectable, count(a.Raw.Value, "sector", "sectors")))
		}
	}
}

// failed tells whether some attribute's when_failed is when, so the exit bit that says
// the same needs no sentence of its own.
func (d ataData) failed(when string) bool {
	if d.Attributes == nil {
		return false
	}
	for _, a := range d.Attributes.Table {
		if a.WhenFailed == when {
			return true
		}
	}
	return false
}

// errorLogText says how many errors the drive logged, when it says.
func (d ataData) errorLogText() string {
	if d.ErrorLog != nil {
		for _, l := range []*logCount{d.ErrorLog.Extended, d.ErrorLog.Summary} {
			if l != nil && l.Count != nil && *l.Count > 0 {
				return count(*l.Count, "error", "errors") + " in its error log"
			}
		}
	}
	return "errors in its error log"
}

// selfTestText says how many of its self-tests the drive failed, when it says.
func (d ataData) selfTestText() string {
	if d.SelfTestLog != nil {
		for _, l := range []*logCount{d.SelfTestLog.Extended, d.SelfTestLog.Standard} {
			if l != nil && l.ErrorCountTotal != nil && *l.ErrorCountTotal > 0 {
				return count(*l.ErrorCountTotal, "of its own self-tests", "of its own self-tests")
			}
		}
	}
	return "one of its own self-tests"
}
