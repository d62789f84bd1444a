package console

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupfs"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/webhdr"
)

func cleanupWords(rep backupstore.GCReport) string {
	if rep.Freed <= 0 {
		return "nothing needed to be freed"
	}
	return human.Bytes(rep.Freed) + " freed"
}

type browseData struct {
	PC, Backup string // the backup's folder name (its date and time)
	Path       string // the folder within the backup, "" at its top
	Crumbs     []crumb
	Entries    []entry
}

type crumb struct{ Name, URL string }

type entry struct {
	Name, URL string
	Dir       bool
	Size      int64
	ModTime   string
}

// browse shows a folder of a backup, or downloads a file of it, or (?zip) a folder as a
// zip streamed as it is read.
func (c *Console) browse(w http.ResponseWriter, r *http.Request) {
	row, ok := c.findPC(w, r)
	if !ok {
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	view := backupfs.New(c.opt.Backups, pr)
	rest := strings.Trim(r.PathValue("rest"), "/")
	name := "/" + row.Name + "/" + rest
	// The view cleans names, so an escaped "..%2F" would step out of this computer into
	// another (one an administrator may see) under this one's name, or up to the list of
	// computers as if it were a backup: such a path is nowhere.
	var fi fs.FileInfo
	err := fs.ErrNotExist
	if rest != "" && path.Clean("/"+rest) == "/"+rest {
		fi, err = view.Stat(r.Context(), name)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.sorry(w, r, http.StatusNotFound, "That is not in this computer's backups. Go back to the computer's page to choose a backup.")
		return
	case err != nil:
		c.unreadable(w, r, "this backup", err)
		return
	}
	switch {
	case !fi.IsDir():
		c.download(w, r, view, name, fi)
	case r.URL.Query().Has("zip"):
		c.zipFolder(w, r, view, name)
	default:
		c.listBackupFolder(w, r, view, row.Name, rest)
	}
}

func (c *Console) listBackupFolder(w http.ResponseWriter, r *http.Request, view *backupfs.FS, pc, rest string) {
	list, err := readDir(r.Context(), view, "/"+pc+"/"+rest)
	if err != nil {
		c.unreadable(w, r, "this backup", err)
		return
	}
	parts := strings.Split(rest, "/")
	d := browseData{PC: pc, Backup: parts[0], Path: strings.Join(parts[1:], "/")}
	base := "/computers/" + escapePath(pc) + "/browse"
	for i := range parts {
		d.Crumbs = append(d.Crumbs, crumb{Name: parts[i], URL: base + "/" + escapePath(parts[:i+1]...) + "/"})
	}
	slices.SortFunc(list, func(a, b fs.FileInfo) int {
		if a.IsDir() != b.IsDir() {
			if a.IsDir() {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.Name()), strings.ToLower(b.Name()))
	})
	for _, fi := range list {
		u := base + "/" + escapePath(append(parts, fi.Name())...)
		if fi.IsDir() {
			u += "/"
		}
		d.Entries = append(d.Entries, entry{Name: fi.Name(), URL: u, Dir: fi.IsDir(), Size: fi.Size(), ModTime: c.when(fi.ModTime())})
	}
	c.render(w, r, "browse", parts[0]+" · "+pc, d)
}

func escapePath(parts ...string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = url.PathEscape(p)
	}
	return strings.Join(out, "/")
}

func readDir(ctx context.Context, view *backupfs.FS, name string) ([]fs.FileInfo, error) {
	f, err := view.OpenFile(ctx, name, os.O_RDONLY, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdir(0)
}

// download sends one file of a backup, with ranges, under the sandbox headers every
// user's file gets (webhdr).
func (c *Console) download(w http.ResponseWriter, r *http.Request, view *backupfs.FS, name string, fi fs.FileInfo) {
	f, err := view.OpenFile(r.Context(), name, os.O_RDONLY, 0)
	if err != nil {
		c.opt.Log.Warn("opening a backed-up file failed", "path", name, "err", err)
		c.sorry(w, r, http.StatusInternalServerError, "The server could not read this file from the backup. Please try again.")
		return
	}
	defer f.Close()
	webhdr.Set(w.Header(), fi.Name())
	if r.URL.Query().Has("download") {
		w.Header().Set("Content-Disposition", webhdr.Attachment(fi.Name()))
	}
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

// zipFolder streams a folder of a backup as a zip: each file is read and written as the
// zip goes, so nothing is held in memory or on disk. A file that cannot be read ends
// the zip early, which the browser reports as a failed download rather than a whole one.
func (c *Console) zipFolder(w http.ResponseWriter, r *http.Request, view *backupfs.FS, name string) {
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", webhdr.FileCSP)
	h.Set("Content-Disposition", webhdr.Attachment(path.Base(name)+".zip"))
	zw := zip.NewWriter(w)
	err := c.zipAdd(r.Context(), zw, view, name, path.Base(name))
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		c.opt.Log.Warn("a backup's zip download stopped", "path", name, "err", err)
		panic(http.ErrAbortHandler) // the browser must not keep half a zip as a whole one
	}
}

func (c *Console) zipAdd(ctx context.Context, zw *zip.Writer, view *backupfs.FS, name, inZip string) error {
	list, err := readDir(ctx, view, name)
	if err != nil {
		return err
	}
	if _, err := zw.CreateHeader(&zip.FileHeader{Name: inZip + "/", Method: zip.Store}); err != nil {
		return err
	}
	for _, fi := range list {
		child, in := path.Join(name, fi.Name()), inZip+"/"+fi.Name()
		if fi.IsDir() {
			if err := c.zipAdd(ctx, zw, view, child, in); err != nil {
				return err
			}
			continue
		}
		if !fi.Mode().IsRegular() {
			continue // a link is a name, not contents; the restore command brings it back
		}
		hdr := &zip.FileHeader{Name: in, Method: zip.Deflate, Modified: fi.ModTime()}
		hdr.SetMode(fi.Mode())
		zf, err := zw.CreateHeader(hdr)
		if err != nil {
			return err
		}
		f, err := view.OpenFile(ctx, child, os.O_RDONLY, 0)
		if err != nil {
			return err
		}
		_, err = io.Copy(zf, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("zip %s: %w", child, err)
		}
	}
	return nil
}
