package smart

import (
	"fmt"
	"slices"

	"github.com/hearth-home/hearth/server/api/schema"
)

// verdict gathers the findings on one disk.
type verdict struct {
	findings []finding
	judged   bool // some health data was read, so no finding means Good
}

type finding struct {
	state, text string
}

func (v *verdict) add(state, text string) {
	for _, f := range v.findings {
		if f.text == text { // the exit bits and the data often say the same thing
			return
		}
	}
	v.findings = append(v.findings, finding{state, text})
}

// finish sets r's State and Problems, worst first.
func (v *verdict) finish(r Report) Report {
	r.State = schema.Good
	if !v.judged && len(v.findings) == 0 {
		v.add(schema.Unknown, sayNoData)
	}
	slices.SortStableFunc(v.findings, func(a, b finding) int { return rank(b.state) - rank(a.state) })
	for _, f := range v.findings {
		r.State = schema.Worse(r.State, f.state)
		r.Problems = append(r.Problems, f.text)
	}
	return r
}

func rank(state string) int {
	return slices.Index([]string{schema.Good, schema.Unknown, schema.Warning, schema.Critical}, state)
}

// exitBits judges smartctl's exit status, after the data. The sentences for bits 3–7 are
// generic; the data usually names the cause too (judgeATA), and then the generic one is
// left out.
func (v *verdict) exitBits(status int, out output) {
	// smartctl's own words (out.errorText) are for the log, not the family.
	if status&bitCmdLine != 0 {
		v.add(schema.Unknown, sayBadRequest)
	}
	if status&bitOpen != 0 {
		v.add(schema.Unknown, sayCannotOpen)
	}
	switch {
	case status&bitCommand != 0 && v.judged:
		v.add(schema.Unknown, sayIncomplete)
	case status&bitCommand != 0:
		v.add(schema.Unknown, sayNoData)
	}
	if status&bitFailing != 0 {
		v.add(schema.Critical, sayFailing)
	}
	if status&bitPrefailNow != 0 && !out.ataData.failed("now") {
		v.add(schema.Critical, sayPrefailNow)
	}
	if status&bitPastThreshold != 0 && !out.ataData.failed("past") {
		v.add(schema.Warning, sayPastThreshold)
	}
	if status&bitErrorLog != 0 {
		v.add(schema.Warning, fmt.Sprintf(sayErrorLog, out.ataData.errorLogText()))
	}
	if status&bitSelfTestLog != 0 {
		v.add(schema.Warning, fmt.Sprintf(saySelfTest, out.ataData.selfTestText()))
	}
}

// judgeStatus reads the overall self-assessment, which every protocol gives.
func (v *verdict) judgeStatus(out output) {
	if out.SmartStatus == nil || out.SmartStatus.Passed == nil {
		return
	}
	v.judged = true
	if !*out.SmartStatus.Passed {
		v.add(schema.Critical, sayFailing)
	}
}

// judgeSCSI reads a SCSI disk's grown defect list: blocks it found bad and remapped.
func (v *verdict) judgeSCSI(grown *uint64) {
	if grown == nil {
		return
	}
	v.judged = true
	if *grown > 0 {
		v.add(schema.Warning, fmt.Sprintf(sayGrownDefects, count(*grown, "bad block", "bad blocks")))
	}
}
