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
	DAV         string `json:"dav"`
}

// Device is a registered PC or phone; Token is only in the answer that made it.
type Device struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
	Token   string    `json:"token,omitempty"`
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
}

// BackupPC is a PC that backs up to the server.
type BackupPC struct {
	Name  string    `json:"name"`
	Owner string    `json:"owner"`
	Keep  Retention `json:"keep"`
	Last  *Snapshot `json:"last,omitempty"`
}

// Retention is how many daily, weekly and monthly backups of a PC are kept.
type Retention struct {
	Daily   int `json:"daily"`
	Weekly  int `json:"weekly"`
	Monthly int `json:"monthly"`
}

// Incomplete answers a commit that refers to pieces the server lacks.
type Incomplete struct {
	Error   string   `json:"error"`
	Missing []string `json:"missing"`
}
