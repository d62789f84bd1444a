// Package schema holds the JSON shapes of hearthd's API at /api/v1/, shared by the server
// and the connector (which must not pull in the server itself).
package schema

import "time"

// Share is a share as a signed-in user sees it.
type Share struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Access      string `json:"access"`
	Copies      int    `json:"copies"`
}

// Me is the signed-in user.
type Me struct {
	Name   string  `json:"name"`
	Admin  bool    `json:"admin"`
	Shares []Share `json:"shares"`
}

// Server is what any signed-in user may know of the server.
type Server struct {
	Version     string `json:"version"`
	Fingerprint string `json:"fingerprint"`
	// CAFingerprint is the authority the server's certificate comes from now: a joined
	// PC that pinned an earlier one moves to it (client/connector Repin).
	CAFingerprint string `json:"ca_fingerprint"`
	DAV           string `json:"dav"`
}

// Device is a registered PC or phone; Token is only in the answer that made it.
type Device struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Token   string    `json:"token,omitempty"`
}

// NewJoinCode is the body of POST /api/v1/joincodes: whom the PC joins as (empty: the
// caller; another user only for an administrator).
type NewJoinCode struct {
	User string `json:"user,omitempty"`
}

// JoinCode is a one-time code with which a PC joins (see internal/joincode): typed into
// the connector, it stands for the server's fingerprint and the user's password.
type JoinCode struct {
	Code    string    `json:"code"`
	User    string    `json:"user"`
	Expires time.Time `json:"expires"`
}

// NewDevice is the body of POST /api/v1/devices.
type NewDevice struct {
	Name string `json:"name"`
}

// BackupSession answers the start of a backup.
type BackupSession struct {
	Session string `json:"session"`
	// ParentOK: the previous backup the PC named is still there, so unchanged files need
	// not be read again.
	ParentOK bool `json:"parent_ok"`
}

// NewBackupSession starts a backup; Parent is the previous backup's ID, if any.
type NewBackupSession struct {
	Parent string `json:"parent,omitempty"`
}

// Snapshot describes one backup of a PC.
type Snapshot struct {
	ID     string    `json:"id"`
	PC     string    `json:"pc"`
	Time   time.Time `json:"time"`
	Folder string    `json:"folder"` // its name under /dav/Backups/<PC>/
	Paths  []string  `json:"paths"`
	Files  int64     `json:"files"`
	Bytes  int64     `json:"bytes"`
	Added  int64     `json:"added"`
	// Pinned: kept whatever the retention rule says ("keep this backup").
	Pinned bool `json:"pinned,omitempty"`
}

// BackupPC is a PC that backs up to the server.
type BackupPC struct {
	Name  string    `json:"name"`
	Owner string    `json:"owner"`
	Keep  Retention `json:"keep"`
	Last  *Snapshot `json:"last,omitempty"`
	// Pinned are the IDs of backups kept whatever Keep says.
	Pinned []string `json:"pinned,omitempty"`
}

// Retention is how many backups of a PC are kept, for each set of folders backed up:
// the last few, and the newest of each of the last days, weeks and months.
type Retention struct {
	Last    int `json:"last"`
	Daily   int `json:"daily"`
	Weekly  int `json:"weekly"`
	Monthly int `json:"monthly"`
}

// Incomplete answers a commit that refers to pieces the server lacks: a Problem with
// the code "incomplete" and the pieces' IDs.
type Incomplete struct {
	Error   string   `json:"error"`
	Code    string   `json:"code,omitempty"`
	Missing []string `json:"missing"`
}

// Problem is how every API call answers a failure: Error is a sentence for a person,
// Code a stable word for a program ("no_user", "weak_password", "admin_only", …).
type Problem struct {
	Error string `json:"error"`
	Code  string `json:"code"`
}

// Health states, from best to worst. Unknown sits between good and warning: something
// could not be checked, which is worth a look but is not known to be wrong.
const (
	Good     = "good"
	Unknown  = "unknown"
	Warning  = "warning"
	Critical = "critical"
)

// Check is one health probe's verdict on a PC, in words a family reads.
type Check struct {
	// ID names the probe: "backup", "disk:<mount>", "firewall", "antivirus", "updates",
	// "reboot", "filevault".
	ID string `json:"id"`
	// Area groups checks the way the tray shows them: "backup", "storage", "network"
	// (firewall), "security" (antivirus, disk encryption) or "updates".
	Area     string `json:"area"`
	State    string `json:"state"`
	Title    string `json:"title"`    // "Firewall"
	Sentence string `json:"sentence"` // "The firewall (ufw) is off. Turn it on with 'sudo ufw enable'."
}

// Limits on a PC's report: a PC has a handful of checks, and their words are shown to
// people. The server refuses a report beyond them; the connector trims to them.
const (
	MaxChecks    = 64
	MaxCheckText = 1000 // bytes of an ID, title or sentence
	MaxReport    = 256 << 10
)

// PCReport is what a PC's agent sends to PUT /api/v1/health/pcs/{pc}.
type PCReport struct {
	OS     string    `json:"os"` // "linux", "windows", "darwin"
	Time   time.Time `json:"time"`
	Checks []Check   `json:"checks"`
}

// Alert is a problem that is true now. It clears itself when the condition goes away.
type Alert struct {
	Code     string    `json:"code"`              // "drive-missing", "pc-firewall", …
	Subject  string    `json:"subject,omitempty"` // the drive or PC it is about
	PC       string    `json:"pc,omitempty"`      // set when the problem is on a PC
	Severity string    `json:"severity"`          // Warning or Critical
	Title    string    `json:"title"`
	Sentence string    `json:"sentence"`
	Since    time.Time `json:"since"`
	Action   *Action   `json:"action,omitempty"`
}

// Action is what the server offers to do about an alert.
type Action struct {
	Kind  string `json:"kind"`  // "evacuate": move a drive's files off and remove it
	Drive string `json:"drive"` // the drive's label
	Label string `json:"label"` // the button's words
}

// Health is GET /api/v1/health: the house at a glance, as the caller may see it.
type Health struct {
	State  string      `json:"state"` // the worst of everything below
	Time   time.Time   `json:"time"`
	Alerts []Alert     `json:"alerts"`
	Drives []DriveInfo `json:"drives"`
	PCs    []PCHealth  `json:"pcs"`
	// Media is the media server for the TVs; absent where there is none to report.
	Media *Media `json:"media,omitempty"`
}

// Media is the media server that streams the media shares to the TVs of the house.
type Media struct {
	// State is "on" (the TVs can stream), "off" (turned off in the settings) or
	// "stopped" (it is not listening now: starting, or being started again).
	State string `json:"state"`
	// Address is where TVs stream from (host:port), while it is on.
	Address string `json:"address,omitempty"`
	// Shares are the shares streamed to the TVs.
	Shares []string `json:"shares"`
}

// DriveInfo is one pool drive's health.
type DriveInfo struct {
	Label string `json:"label"`
	Path  string `json:"path,omitempty"` // for administrators only
	Pool  string `json:"pool"`           // the pool's view: active, missing, failing, removing
	State string `json:"state"`          // Good … Critical, SMART and pool together
	// SMART says what the drive reports of itself, or why it could not be asked.
	SMART       string `json:"smart"`
	Model       string `json:"model,omitempty"`
	Temperature int    `json:"temperature_c,omitempty"`
	Total       uint64 `json:"total"`
	Free        uint64 `json:"free"`
	// BadCopies counts its copies that failed their checksum in the last 30 days.
	BadCopies int `json:"bad_copies,omitempty"`
}

// PCHealth is one PC's health: what its agent last reported and its backups.
type PCHealth struct {
	Name       string     `json:"name"`
	Owner      string     `json:"owner"`
	OS         string     `json:"os,omitempty"`
	State      string     `json:"state"`
	Seen       *time.Time `json:"seen,omitempty"`        // its last report
	LastBackup *time.Time `json:"last_backup,omitempty"` // its newest backup
	Checks     []Check    `json:"checks"`
}

// Worse returns the worse of two health states.
func Worse(a, b string) string {
	if Rank(b) > Rank(a) {
		return b
	}
	return a
}

// Rank orders health states from 0 (good) to 3 (critical).
func Rank(s string) int {
	switch s {
	case Good:
		return 0
	case Unknown:
		return 1
	case Warning:
		return 2
	case Critical:
		return 3
	}
	return 1 // a state this version does not know is at least worth a look
}
