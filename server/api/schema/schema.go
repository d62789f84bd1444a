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
