package backup

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"
)

// Snapshot is one backup of one PC: its root tree and what it took.
type Snapshot struct {
	Version int       `json:"version"`
	PC      string    `json:"pc"`
	Time    time.Time `json:"time"`
	// Tree is the root folder. It mirrors the PC's absolute paths: /home/ann is
	// root → home → ann; C:\Users\Ann is root → C → Users → Ann.
	Tree   ID       `json:"tree"`
	Paths  []string `json:"paths"`
	Parent *ID      `json:"parent,omitempty"`
	Files  int64    `json:"files"`
	Bytes  int64    `json:"bytes"`
	// Added is what this backup stored that the server did not have, before compression.
	Added int64 `json:"added"`
	// Skipped lists what could not be read (at most MaxSkipped), so a family learns that
	// a file was not backed up rather than finding out at restore time.
	Skipped []string `json:"skipped,omitempty"`
	// Config is, in a server backup, the blob holding the server's own configuration
	// (users, shares, access, settings: see FORMAT.md); PCs' backups have none.
	Config *ID `json:"config,omitempty"`
}

// MaxSkipped bounds the list of unreadable files a snapshot carries.
const MaxSkipped = 100

// SnapshotVersion is the format version this package writes.
const SnapshotVersion = 1

// EncodeSnapshot returns a snapshot's stored form; its ID is the hash of that form.
func EncodeSnapshot(s Snapshot) ([]byte, ID, error) {
	if err := s.check(); err != nil {
		return nil, ID{}, err
	}
	s.Time = s.Time.UTC()
	data, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return nil, ID{}, err
	}
	return data, Hash(data), nil
}

// DecodeSnapshot reads a stored snapshot.
func DecodeSnapshot(data []byte) (Snapshot, error) {
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return s, fmt.Errorf("snapshot: %w: %v", ErrCorrupt, err)
	}
	return s, s.check()
}

func (s Snapshot) check() error {
	switch {
	case s.Version != SnapshotVersion:
		return fmt.Errorf("snapshot: %w: version %d is not %d; update Hearth", ErrCorrupt, s.Version, SnapshotVersion)
	case CheckPCName(s.PC) != nil:
		return fmt.Errorf("snapshot: %w: %v", ErrCorrupt, CheckPCName(s.PC))
	case s.Time.IsZero(), s.Tree.IsZero():
		return fmt.Errorf("snapshot: %w: no time or no tree", ErrCorrupt)
	}
	return nil
}

// CheckPCName checks that a PC's name can be a folder name on every system.
func CheckPCName(name string) error {
	if name == "" || len(name) > 100 || !utf8.ValidString(name) || strings.TrimSpace(name) != name ||
		name == "." || name == ".." || strings.ContainsAny(name, `/\:*?"<>|`) || strings.IndexFunc(name, func(r rune) bool { return r < 32 }) >= 0 {
		return fmt.Errorf("%q is not a usable PC name: use letters, digits, spaces and simple punctuation", name)
	}
	return nil
}

// FolderName is how a snapshot appears in the Backups folder: its local time, in a form
// every file manager accepts (no colons).
func FolderName(t time.Time) string { return t.Local().Format("2006-01-02 15.04.05") }

// PathNames splits a path on the PC into the names a snapshot's tree uses from its root:
// /home/ann is home, ann; C:\Users\Ann is C, Users, Ann. Restores name what to bring back
// the same way.
func PathNames(p string) []string {
	vol := filepath.VolumeName(p)
	rest := strings.Trim(filepath.ToSlash(p[len(vol):]), "/")
	var out []string
	if vol != "" {
		out = append(out, strings.TrimSuffix(vol, ":"))
	}
	if rest != "" {
		out = append(out, strings.Split(rest, "/")...)
	}
	return out
}
