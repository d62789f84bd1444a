package connector

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// BackupSettings say what this PC backs up and when.
type BackupSettings struct {
	// Include holds the folders backed up; empty means the user's home folder.
	Include []string `json:"include,omitempty"`
	// Exclude holds patterns left out: a name (matched anywhere) or a full path, with * and ?.
	Exclude []string `json:"exclude,omitempty"`
	// At is the time of the nightly backup, "HH:MM" in local time; empty means 03:00.
	At string `json:"at,omitempty"`
}

// Paths returns the folders to back up.
func (b BackupSettings) Paths() ([]string, error) {
	if len(b.Include) > 0 {
		return b.Include, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, fmt.Errorf("find the home folder: %w", err)
	}
	return []string{home}, nil
}

// Excludes returns the patterns left out: the user's, or the usual caches and temporary
// files of this system.
func (b BackupSettings) Excludes() []string {
	if b.Exclude != nil {
		return b.Exclude
	}
	return DefaultExcludes(runtime.GOOS)
}

// DefaultExcludes are caches, trash and temporary files: rebuilt by the programs that
// made them, they only slow a backup down.
func DefaultExcludes(goos string) []string {
	home, _ := os.UserHomeDir()
	return DefaultExcludesFor(goos, home)
}

// DefaultExcludesFor is the one list of known caches and temporary folders, for a home
// folder home: the console's folder tree leaves them unticked and backups leave them
// out. Browsers keep their caches under ~/.cache (Linux), Library/Caches (macOS) and
// AppData\Local (Windows: Chrome and Edge under <maker>\<browser>\User Data\<profile>\Cache,
// Firefox under Mozilla\Firefox\Profiles\<profile>\cache2); %TEMP% is AppData\Local\Temp.
func DefaultExcludesFor(goos, home string) []string {
	common := []string{"*.tmp", "~$*", "Thumbs.db", ".DS_Store", "node_modules", "__pycache__"}
	j := func(p ...string) string { return filepath.Join(append([]string{home}, p...)...) }
	switch goos {
	case "windows":
		return append(common, j("AppData", "Local", "Temp"), j("AppData", "Local", "Microsoft", "Windows", "INetCache"),
			j("AppData", "Local", "Packages"), j("AppData", "Local", "*", "*", "Cache"), j("AppData", "Local", "*", "*", "User Data", "*", "Cache"),
			j("AppData", "Local", "Mozilla", "Firefox", "Profiles", "*", "cache2"), "$Recycle.Bin", "hiberfil.sys", "pagefile.sys")
	case "darwin":
		return append(common, j("Library", "Caches"), j(".Trash"), j("Library", "Logs"))
	default:
		return append(common, j(".cache"), j(".local", "share", "Trash"), j(".thumbnails"))
	}
}

// Next returns when the nightly backup after from is due.
func (b BackupSettings) Next(from time.Time) (time.Time, error) {
	at := b.At
	if at == "" {
		at = "03:00"
	}
	t, err := time.Parse("15:04", at)
	if err != nil {
		return time.Time{}, fmt.Errorf("backup time %q: use HH:MM, such as 03:00", at)
	}
	next := time.Date(from.Year(), from.Month(), from.Day(), t.Hour(), t.Minute(), 0, 0, from.Location())
	if !next.After(from) {
		next = next.AddDate(0, 0, 1)
	}
	return next, nil
}
