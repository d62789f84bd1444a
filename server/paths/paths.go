// Package paths says where hearthd keeps its state when no flag says otherwise.
package paths

import (
	"os"
	"path/filepath"
)

// StateDir is the folder for the catalog, the lock and the control socket: the
// HEARTH_STATE_DIR environment variable, systemd's STATE_DIRECTORY, /var/lib/hearth for
// root, else the user's data folder ($XDG_DATA_HOME/hearth, ~/.local/share/hearth).
func StateDir() string {
	if d := os.Getenv("HEARTH_STATE_DIR"); d != "" {
		return d
	}
	if d := os.Getenv("STATE_DIRECTORY"); d != "" {
		return filepath.SplitList(d)[0]
	}
	if os.Geteuid() == 0 {
		return "/var/lib/hearth"
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "hearth")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "hearth")
	}
	return filepath.Join(home, ".local", "share", "hearth")
}

// In a state folder:

// Catalog is the SQLite catalog.
func Catalog(state string) string { return filepath.Join(state, "catalog.db") }

// ServerBackups is the file of the server backup jobs (issue 23): targets, shares, and
// the secrets their runs need.
func ServerBackups(state string) string { return filepath.Join(state, "serverbackup.json") }

// BackupIndex is the index of where each backup blob is (rebuilt from the pool if lost).
func BackupIndex(state string) string { return filepath.Join(state, "backups.db") }

// Socket is the control socket the hearthd commands talk to.
func Socket(state string) string { return filepath.Join(state, "hearthd.sock") }

// Lock is held by whoever has the pool open.
func Lock(state string) string { return filepath.Join(state, "lock") }

// DriveList names the pool's drives, one path a line: a second record, beside the
// catalog, of where to find the drives if the catalog is lost.
func DriveList(state string) string { return filepath.Join(state, "drives.txt") }

// Config is the optional settings file.
func Config(state string) string { return filepath.Join(state, "hearthd.json") }

// FirstDrive is where a first drive is made when the pool has none and no -drive flag
// was given, so the server works out of the box.
func FirstDrive(state string) string { return filepath.Join(Drives(state), "drive1") }

// Drives is the folder of the drives made in the state folder. Its contents are drives,
// laid out as the pool lays them out.
func Drives(state string) string { return filepath.Join(state, "drives") }

// TLS is the folder of the server's certificate authority and certificate.
func TLS(state string) string { return filepath.Join(state, "tls") }

// Thumbs is where the web pages cache pictures' thumbnails: on the system disk, never
// on a share.
func Thumbs(state string) string { return filepath.Join(state, "thumbs") }
