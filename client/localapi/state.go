// Package localapi is the channel between the agent, the one process on a PC that backs
// it up, and the programs that show what it does (the tray, the console, the hearth
// command), as Tailscale splits its daemon from its UIs. It is plain HTTP and JSON over a
// unix socket in the connector's own folder, which only its user can open: GET /state,
// POST /backup, and GET /events, a stream of every change of state.
package localapi

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/api/schema"
)

// Who started a backup.
const (
	BySchedule = "schedule"
	ByTray     = "tray"
	ByConsole  = "console"
	ByCLI      = "command line"
)

// State is what the agent is doing, and what it did and will do.
type State struct {
	PID int `json:"pid"`
	// Joined: this PC has joined a server, so the agent has somewhere to back it up to.
	Joined bool `json:"joined"`
	// Running: a backup runs now. Run counts the backups the agent began, this one
	// included; By says who asked for it.
	Running  bool      `json:"running"`
	Run      uint64    `json:"run"`
	By       string    `json:"by,omitempty"`
	Started  time.Time `json:"started,omitzero"`
	Progress *Progress `json:"progress,omitempty"`
	// Waiting says, in words, why the running backup waits (another program backs up).
	Waiting string `json:"waiting,omitempty"`
	// Last is how the agent's last backup ended; nil before its first.
	Last *Result `json:"last,omitempty"`
	// Next is when the agent will back up next by itself; zero when it will not.
	Next time.Time `json:"next,omitzero"`
}

// Progress is how far a running backup is.
type Progress struct {
	Files      int64     `json:"files"`
	Bytes      int64     `json:"bytes"`
	TotalFiles int64     `json:"total_files"`
	TotalBytes int64     `json:"total_bytes"`
	Counted    bool      `json:"counted"` // the totals are final
	Sent       int64     `json:"sent"`
	Started    time.Time `json:"started"`
	// Percent of the bytes done, -1 until the files are counted.
	Percent int `json:"percent"`
}

// Result is how a backup ended.
type Result struct {
	Run   uint64    `json:"run"`
	By    string    `json:"by"`
	Ended time.Time `json:"ended"`
	OK    bool      `json:"ok"`
	// Words say it for a person: "Backed up 12 files; 3.0 MiB was new." or why it failed.
	Words    string           `json:"words"`
	Snapshot *schema.Snapshot `json:"snapshot,omitempty"`
}

// ProgressOf is p as the channel carries it.
func ProgressOf(p archiver.Progress) *Progress {
	out := &Progress{Files: p.Files, Bytes: p.Bytes, TotalFiles: p.TotalFiles, TotalBytes: p.TotalBytes,
		Counted: p.Counted, Sent: p.Sent, Started: p.Started, Percent: -1}
	if p.Counted && p.TotalBytes > 0 {
		out.Percent = int(min(100, p.Bytes*100/p.TotalBytes))
	} else if p.Counted {
		out.Percent = 100
	}
	return out
}

// Archiver is p as the archiver reports it, for the programs that print progress.
func (p Progress) Archiver() archiver.Progress {
	return archiver.Progress{Files: p.Files, Bytes: p.Bytes, TotalFiles: p.TotalFiles, TotalBytes: p.TotalBytes,
		Counted: p.Counted, Sent: p.Sent, Started: p.Started}
}

// Words say how far a backup is: a share once the files are counted.
func (p Progress) Words() string {
	if p.Percent >= 0 {
		return fmt.Sprintf("%d%%", p.Percent)
	}
	return fmt.Sprintf("%s, %s", Files(p.Files), human.Bytes(p.Bytes))
}

// ByWords says who started a backup: "started by the schedule", "started from the tray".
func ByWords(by string) string {
	switch by {
	case BySchedule:
		return "started by the nightly schedule"
	case ByTray, ByConsole:
		return "started from the " + by
	case ByCLI:
		return "started from the command line"
	}
	return "started by another program"
}

// DoneWords say what a backup did.
func DoneWords(s schema.Snapshot) string {
	return fmt.Sprintf("Backed up %s; %s was new.", Files(s.Files), human.Bytes(s.Added))
}

// Files is n files in words.
func Files(n int64) string {
	if n == 1 {
		return "1 file"
	}
	return fmt.Sprintf("%d files", n)
}

// SocketPath is where the agent of the connector configured at configPath listens:
// beside its settings, in the folder only its user can open.
func SocketPath(configPath string) string {
	return filepath.Join(filepath.Dir(configPath), "agent.sock")
}
