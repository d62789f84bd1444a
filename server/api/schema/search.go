package schema

import "time"

// FoundFile is a file or folder a search by name found.
type FoundFile struct {
	Path    string    `json:"path"` // "Share/folder/name"
	Name    string    `json:"name"`
	Dir     bool      `json:"dir"` // a folder
	Size    int64     `json:"size"`
	ModTime time.Time `json:"mtime"`
}

// SearchResults answer GET /api/v1/files/search: the best matches first (whole names,
// then names starting with the query, then the others; shorter paths first). More says
// there were more than the limit.
type SearchResults struct {
	Query   string      `json:"query"`
	Results []FoundFile `json:"results"`
	More    bool        `json:"more"`
}
