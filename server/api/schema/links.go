package schema

import "time"

// NewLink is the body of POST /api/v1/links: a sharing link to a file or folder of a
// share. kind is "read" (open and download) or "upload" (add files to a folder, never
// see it). An upload link takes in at most max_files files and max_bytes bytes (0 or
// absent: 1000 files, 20 GiB).
type NewLink struct {
	Path     string     `json:"path"`
	Kind     string     `json:"kind"`
	Password string     `json:"password,omitempty"`
	Expires  *time.Time `json:"expires,omitempty"`
	MaxFiles int64      `json:"max_files,omitempty"`
	MaxBytes int64      `json:"max_bytes,omitempty"`
}

// Link is a sharing link. URL (with the token) is given only in the answer that made it:
// the server keeps only a digest of the token.
type Link struct {
	ID       string     `json:"id"`
	Owner    string     `json:"owner"`
	Path     string     `json:"path"`
	Kind     string     `json:"kind"`
	Password bool       `json:"password"`
	Expires  *time.Time `json:"expires,omitempty"`
	Created  time.Time  `json:"created"`
	MaxFiles int64      `json:"max_files"`
	MaxBytes int64      `json:"max_bytes"`
	Files    int64      `json:"files"`
	Bytes    int64      `json:"bytes"`
	URL      string     `json:"url,omitempty"`
}
