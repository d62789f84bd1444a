package schema

import "time"

// The shapes of the administrators' API calls (users, shares, access, drives, the pool,
// events), and what the server says of itself to its own tools.

// ServerInfo is how PCs reach the server and recognise it. The hearthd commands get it
// whole over the control socket; the API gives a part of it (Server).
type ServerInfo struct {
	Version       string
	URL           string // the WebDAV drive, when the server is running
	Fingerprint   string // SHA-256 of the server certificate
	CAFingerprint string
	CAConstrained bool     // the CA vouches only for the server's names (certs.Identity.Constrained)
	Names         []string // host names and addresses the certificate is for
	SetupNeeded   bool     // no administrator yet
	// SetupURL is the one-time setup page while no administrator exists and the server
	// runs. Only the control socket gives it: it lets whoever opens it become the admin.
	SetupURL string
}

// AccessEntry is one user's level on one share: "none", "read" or "full".
type AccessEntry struct {
	Share string `json:"share"`
	User  string `json:"user"`
	Level string `json:"level"`
}

// User is a user as an administrator sees it.
type User struct {
	Name    string    `json:"name"`
	Admin   bool      `json:"admin"`
	Created time.Time `json:"created"`
}

// NewUser is the body of POST /api/v1/users.
type NewUser struct {
	Name     string `json:"name"`
	Password string `json:"password"`
	Admin    bool   `json:"admin"`
}

// NewPassword is the body of PUT /api/v1/users/{name}/password.
type NewPassword struct {
	Password string `json:"password"`
}

// AdminFlag is the body of PUT /api/v1/users/{name}/admin.
type AdminFlag struct {
	Admin bool `json:"admin"`
}

// ShareDetail is a share as an administrator sees it.
type ShareDetail struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Copies is the setting: 0 automatic (two once the pool has two drives), 1 or 2.
	Copies int `json:"copies"`
	// Wanted is what the setting means now.
	Wanted int   `json:"wanted"`
	Files  int64 `json:"files"`
	Bytes  int64 `json:"bytes"`
	// Media: the share is streamed to the TVs of the house (DLNA, which has no sign-in).
	Media bool `json:"media"`
}

// NewShare is the body of POST /api/v1/shares.
type NewShare struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Copies      int    `json:"copies"`
}

// ShareChange is the body of PATCH /api/v1/shares/{name}: what is given changes.
type ShareChange struct {
	Description *string `json:"description,omitempty"`
	Copies      *int    `json:"copies,omitempty"`
	Media       *bool   `json:"media,omitempty"`
}

// AccessLevel is the body of PUT /api/v1/shares/{share}/access/{user}.
type AccessLevel struct {
	Level string `json:"level"`
}

// Drive is a drive of the pool as an administrator sees it.
type Drive struct {
	ID    string `json:"id"`
	Label string `json:"label"`
	Path  string `json:"path"`
	// State is the pool's view: active, missing, failing or removing.
	State  string    `json:"state"`
	Reason string    `json:"reason,omitempty"`
	Total  uint64    `json:"total"`
	Free   uint64    `json:"free"`
	Files  int64     `json:"files"` // file copies on it
	Bytes  int64     `json:"bytes"`
	Added  time.Time `json:"added"`
	// BadCopies counts its copies that failed their checksum in the last 30 days.
	BadCopies int `json:"bad_copies"`
	// Warnings are things the person adding the drive should know.
	Warnings []string `json:"warnings,omitempty"`
}

// NewDrive is the body of POST /api/v1/drives: a folder on the server (normally a whole
// disk's mount point) and, if wanted, the name to show for it.
type NewDrive struct {
	Path  string `json:"path"`
	Label string `json:"label,omitempty"`
}

// PoolStatus is the pool at a glance.
type PoolStatus struct {
	Drives []Drive `json:"drives"`
	Total  uint64  `json:"total"` // over the present drives
	Free   uint64  `json:"free"`
	Files  int64   `json:"files"`
	Dirs   int64   `json:"dirs"`
	Bytes  int64   `json:"bytes"` // the files' size, each counted once
	Shares int     `json:"shares"`
	// NotDuplicated counts files with fewer copies than their share wants (being repaired).
	NotDuplicated int `json:"not_duplicated"`
	// Unavailable are files with no readable copy: a drive holding them is missing.
	Unavailable []string `json:"unavailable"`
	// Damaged are files with no good copy left.
	Damaged   []string     `json:"damaged"`
	Versions  int          `json:"versions"`
	LastScrub *ScrubResult `json:"last_scrub,omitempty"`
}

// ScrubResult is what a scrub found: every copy read and checked against its checksum.
type ScrubResult struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Files    int       `json:"files"`
	Copies   int       `json:"copies"`
	Bytes    int64     `json:"bytes"`
	Bad      int       `json:"bad"`     // copies that did not match or could not be read
	Healed   int       `json:"healed"`  // bad copies rewritten from a good one
	Damaged  []string  `json:"damaged"` // files with no good copy left
	Skipped  int       `json:"skipped"` // files being written
	Stopped  bool      `json:"stopped"` // interrupted; it starts over next time
}

// Done answers an operation that may take long (removing a drive, a scrub, a repair):
// Done says whether it finished before the answer (200) or goes on (202).
type Done struct {
	Done   bool   `json:"done"`
	Result string `json:"result"` // what happened or is happening, in words
}

// Event is one line of the server's event log: sign-in failures, alerts raised and
// cleared, backups let go.
type Event struct {
	Time   time.Time `json:"time"`
	Kind   string    `json:"kind"`   // "health", "backup", "login-failed", "login-locked", …
	Source string    `json:"source"` // the address, PC or drive it is about
	Text   string    `json:"text"`
}

// Cleanup is what POST /api/v1/backup/cleanup did.
type Cleanup struct {
	Snapshots      int   `json:"snapshots"` // backups kept
	RemovedPieces  int   `json:"removed_pieces"`
	PacksDeleted   int   `json:"packs_deleted"`
	PacksRewritten int   `json:"packs_rewritten"`
	Freed          int64 `json:"freed"` // bytes
}

// BackupID answers a change to one backup with its full ID.
type BackupID struct {
	ID string `json:"id"`
}

// DeletedSnapshot is a backup let go (by the retention rule, or deleted) that can still
// be brought back until Until.
type DeletedSnapshot struct {
	Snapshot Snapshot  `json:"snapshot"`
	Deleted  time.Time `json:"deleted"`
	Until    time.Time `json:"until"`
}
