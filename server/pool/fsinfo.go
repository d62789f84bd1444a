package pool

import (
	"io/fs"
	"time"
)

// Stat is a pool entry as an fs.FileInfo, for the layers that hand the pool to code
// made for file systems (WebDAV, the TVs' media server, the backup archiver). The pool
// keeps no permissions or owners: a share's files are the family's, and its access
// rules say who sees them, so folders are 0755 and files 0644. Sys returns the entry
// (*FileInfo). It holds a pointer so that a long listing turned into FileInfos
// allocates nothing more.
type Stat struct{ FI *FileInfo }

func (s Stat) Name() string       { return s.FI.Name }
func (s Stat) Size() int64        { return s.FI.Size }
func (s Stat) ModTime() time.Time { return s.FI.ModTime }
func (s Stat) IsDir() bool        { return s.FI.Dir }
func (s Stat) Sys() any           { return s.FI }
func (s Stat) Mode() fs.FileMode {
	if s.FI.Dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
