package archiver

import (
	"io"
	"io/fs"
	"os"
)

// Source is where the files come from. The live filesystem is the default; on Windows a
// Volume Shadow Copy source slots in here so open files are read as one moment.
type Source interface {
	Lstat(path string) (fs.FileInfo, error)
	ReadDir(path string) ([]fs.DirEntry, error)
	Open(path string) (io.ReadCloser, error)
	Readlink(path string) (string, error)
}

// OS reads the live filesystem.
type OS struct{}

func (OS) Lstat(p string) (fs.FileInfo, error)     { return os.Lstat(p) }
func (OS) ReadDir(p string) ([]fs.DirEntry, error) { return os.ReadDir(p) }
func (OS) Open(p string) (io.ReadCloser, error)    { return os.Open(p) }
func (OS) Readlink(p string) (string, error)       { return os.Readlink(p) }
