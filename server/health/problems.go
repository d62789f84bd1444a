package health

import (
	"maps"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
)

// Problem is one kind of alert, declared once under its code: its title, sentence and
// severity. The {words} are filled from the condition that raised it.
type Problem struct {
	Severity string // schema.Warning or schema.Critical; "" takes the PC's own verdict
	Title    string
	Sentence string
	// Evacuate: the alert offers to move the drive's files off and remove it.
	Evacuate bool
	// Hidden is the sentence of an alert about files for a viewer who may open none of
	// them: it counts them and names none.
	Hidden string
}

// problems is every alert Hearth raises.
func problems() map[string]Problem {
	return map[string]Problem{
		"drive-missing": {Severity: schema.Critical, Title: "{drive} is missing",
			Sentence: "{drive} ({path}) cannot be reached. Plug it back in or check its cable. Files with a second copy are safe; files without one wait until it returns."},
		"drive-failing": {Severity: schema.Critical, Title: "{drive} is failing", Evacuate: true,
			Sentence: "{drive} fails to read or write{reason}. Hearth copies its files to the other drives; replace it soon."},
		"drive-smart-failing": {Severity: schema.Critical, Title: "{drive} says it is failing", Evacuate: true,
			Sentence: "{drive} ({model}) reports: {detail}"}, // smartctl's words say what to do
		"drive-smart-warning": {Severity: schema.Warning, Title: "{drive} shows signs of wear", Evacuate: true,
			Sentence: "{drive} ({model}) reports: {detail}"},
		"drive-bad-copies": {Severity: schema.Warning, Title: "{drive} may be failing", Evacuate: true,
			Sentence: "{drive} had {count} in the last 30 days: files whose bytes on it no longer matched what was saved. Hearth rewrote them from the other copies; if this goes on, replace the drive."},
		"service-restarted": {Severity: schema.Warning, Title: "Part of the server stopped and was restarted",
			Sentence: "{service} stopped unexpectedly ({times}, last at {when}) and was started again. If this keeps happening, restart the server and tell whoever looks after it."},
		"pool-space-low": {Severity: schema.Warning, Title: "The server is getting full",
			Sentence: "The drives have {free} free of {total} ({percent}). Add a drive, or delete files and old backups you no longer need."},
		"pool-space-critical": {Severity: schema.Critical, Title: "The server is full",
			Sentence: "The drives have only {free} free of {total}. New files and backups may not fit: add a drive now."},
		"files-unavailable": {Severity: schema.Critical, Title: "Some files cannot be opened",
			Sentence: "{count} cannot be read because the only drive holding a copy is missing, such as {example}. Bring that drive back to get them.",
			Hidden:   "{count} in shares you cannot open {are} out of reach because the only drive holding a copy is missing; whoever looks after the server can bring that drive back."},
		"files-damaged": {Severity: schema.Critical, Title: "Some files are damaged",
			Sentence: "{count} {are} damaged on every copy, such as {example}. Bring them back from a previous version or a backup.",
			Hidden:   "{count} in shares you cannot open {are} damaged on every copy; whoever looks after the server can bring them back from a previous version or a backup."},
		"duplication-pending": {Severity: schema.Warning, Title: "Some files have only one copy",
			Sentence: "{count} {are} waiting for a second copy, so one drive failing would lose them. Hearth makes the copies as space allows; if this lasts, add a drive."},
		"scrub-overdue": {Severity: schema.Warning, Title: "The drives have not been checked lately",
			Sentence: "Every copy was last read back and checked {when}. Leave the server on so it can check by itself, or start a check on the Storage page of its web console."},
		"backup-overdue": {Severity: schema.Warning, Title: "{pc} has not been backed up lately",
			Sentence: "{pc}'s last backup was {when}. Turn it on at home with Hearth running, or choose Back up now in Hearth on it."},
		"backup-never": {Severity: schema.Warning, Title: "{pc} has never been backed up",
			Sentence: "{pc} reports to the server but has no backup yet. Choose Back up now in Hearth on it, or leave it on tonight with Hearth running."},
		"server-backup-overdue": {Severity: schema.Warning, Title: "The server backup {name} is overdue",
			Sentence: "Its last good backup to {target} was {when}{reason}. Plug its drive back in, or check the store, then choose Back up now on the Server backup page."},
		"server-backup-never": {Severity: schema.Warning, Title: "The server backup {name} has not worked yet",
			Sentence: "Nothing has been backed up to {target} since it was made{reason}. Plug its drive in, or check the store, then choose Back up now on the Server backup page."},
		// A PC's own checks: the PC says how bad and why, in its own words.
		"pc-check": {Title: "{pc}: {title}", Sentence: "{sentence}"},
	}
}

// raise fills in problem code's words and returns the alert, whose Since is set later.
func raise(code, subject string, words map[string]string) schema.Alert {
	p := problem(code)
	r := replacer(words)
	a := schema.Alert{Code: code, Subject: subject, Severity: p.Severity, Title: r.Replace(p.Title), Sentence: r.Replace(p.Sentence)}
	if p.Evacuate {
		a.Action = &schema.Action{Kind: "evacuate", Drive: subject, Label: "Move its files off and remove it"}
	}
	return a
}

func problem(code string) Problem {
	p, ok := problems()[code]
	if !ok {
		panic("health: undeclared problem " + code)
	}
	return p
}

func replacer(words map[string]string) *strings.Replacer {
	pairs := make([]string, 0, 2*len(words))
	for k, v := range words {
		pairs = append(pairs, "{"+k+"}", v)
	}
	return strings.NewReplacer(pairs...)
}

// alert is an alert as the monitor holds it. An alert about files also keeps which
// files (share/path) and the words of its sentence, so that each viewer is told only of
// files in shares they may open, and of the others only how many there are.
type alert struct {
	schema.Alert
	files []string
	words map[string]string
}

// raiseFiles raises an alert about files, naming files[0] as its example.
func raiseFiles(code string, words map[string]string, files []string) alert {
	words = maps.Clone(words)
	words["example"] = "…"
	if len(files) > 0 {
		words["example"] = files[0]
	}
	return alert{Alert: raise(code, "", words), files: files, words: words}
}

// alerts wraps alerts that name no files.
func alerts(as []schema.Alert) []alert {
	out := make([]alert, len(as))
	for i, a := range as {
		out[i] = alert{Alert: a}
	}
	return out
}

// seenBy is the alert as v may see it: an administrator sees every file; anyone else
// is given an example only from the shares they may open, else only a count.
func (a alert) seenBy(v Viewer) schema.Alert {
	if a.files == nil || v.Admin {
		return a.Alert
	}
	out := a.Alert
	p := problem(a.Code)
	words := maps.Clone(a.words)
	for _, f := range a.files {
		share, _, _ := strings.Cut(f, "/")
		if v.Reads != nil && v.Reads(share) {
			words["example"] = f
			out.Sentence = replacer(words).Replace(p.Sentence)
			return out
		}
	}
	out.Sentence = replacer(words).Replace(p.Hidden)
	return out
}
