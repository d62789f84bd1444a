package schema

import "time"

// The shapes of the administrators' calls for long work (jobs), disks to add, removed
// shares, settings, and restarting the server.

// Job is a scrub, repair or drive removal the server runs in the background.
type Job struct {
	ID       int64     `json:"id"`
	Kind     string    `json:"kind"`              // "scrub", "repair", "remove-drive"
	Subject  string    `json:"subject,omitempty"` // the drive, for a removal
	State    string    `json:"state"`             // "running", "done", "failed"
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	// The work done and to do; the totals grow while they are counted.
	FilesDone  int64 `json:"files_done"`
	FilesTotal int64 `json:"files_total"`
	BytesDone  int64 `json:"bytes_done"`
	BytesTotal int64 `json:"bytes_total"`
	// SecondsLeft estimates the time left (0: not known, or done).
	SecondsLeft int64 `json:"seconds_left"`
	// Result says in words what the job found or did, or why it stopped.
	Result string `json:"result,omitempty"`
}

// Candidates are what could join the pool: mounted file systems and unused disks.
type Candidates struct {
	Mounts []CandidateMount `json:"mounts"`
	Disks  []CandidateDisk  `json:"disks"`
}

// CandidateMount is a mounted file system; Offered says it can be added now (POST
// /api/v1/drives with its path), Reason why not.
type CandidateMount struct {
	Path    string `json:"path"`
	Device  string `json:"device"`
	FSType  string `json:"fs_type"`
	Size    uint64 `json:"size"`
	Free    uint64 `json:"free"`
	Offered bool   `json:"offered"`
	Reason  string `json:"reason,omitempty"`
}

// CandidateDisk is a disk with nothing mounted from it, which Hearth does not format.
type CandidateDisk struct {
	Device    string `json:"device"`
	Size      uint64 `json:"size"`
	Model     string `json:"model,omitempty"`
	Removable bool   `json:"removable"`
	Reason    string `json:"reason"`
}

// RemovedShare is a shared folder removed lately, kept until PurgeAfter.
type RemovedShare struct {
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Files       int64     `json:"files"`
	Bytes       int64     `json:"bytes"`
	Removed     time.Time `json:"removed"`
	PurgeAfter  time.Time `json:"purge_after"`
	Users       []string  `json:"users"` // whose access comes back with it
}

// Settings are the server's own settings (GET and PUT /api/v1/settings, whole).
type Settings struct {
	ServerName   string    `json:"server_name"`
	DefaultKeep  Retention `json:"default_keep"`
	Metrics      string    `json:"metrics"`   // "admin", "lan" or "off"
	TimeZone     string    `json:"time_zone"` // "" is the machine's
	BackupWindow Window    `json:"backup_window"`
}

// Window is the time of day the PCs back up in, "HH:MM" to "HH:MM"; both "" for none.
type Window struct {
	Start string `json:"start"`
	End   string `json:"end"`
}
