package drive

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Names inside a drive.
const (
	dataDir      = "Shares"
	metaDir      = ".hearth"
	markerFile   = metaDir + "/drive.json"
	configFile   = metaDir + "/pool.json"
	tombFile     = metaDir + "/tombstones.log"
	tmpDir       = metaDir + "/tmp"
	versionsDir  = metaDir + "/versions"
	stagingDir   = metaDir + "/staging"
	markerFormat = 1
)

// HasMarker reports whether the folder dir holds a drive's marker, of any pool: it is a
// drive (or was one), whose files keep the layout and modes the drive gives them.
func HasMarker(dir string) bool {
	_, err := os.Lstat(filepath.Join(dir, markerFile))
	return err == nil
}

// Marker is the content of .hearth/drive.json.
type Marker struct {
	Format  int       `json:"format"`
	PoolID  string    `json:"pool_id"`
	DriveID string    `json:"drive_id"`
	Label   string    `json:"label"`
	Created time.Time `json:"created"`
}

func parseMarker(b []byte) (Marker, error) {
	var m Marker
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read drive marker: %w", err)
	}
	if m.Format != markerFormat || m.PoolID == "" || m.DriveID == "" {
		return m, fmt.Errorf("read drive marker: format %d, pool %q, drive %q is not a marker this version understands",
			m.Format, m.PoolID, m.DriveID)
	}
	return m, nil
}

func (m Marker) info(path string) Info {
	return Info{Path: path, ID: m.DriveID, Pool: m.PoolID, Label: m.Label}
}
