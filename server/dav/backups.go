package dav

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strings"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/backupfs"
	"github.com/hearth-home/hearth/server/backupstore"
	"github.com/hearth-home/hearth/server/pool"
	"golang.org/x/net/webdav"
)

// The PCs' backups appear at /dav/Backups/<PC>/<date time>/..., read-only, each PC to its
// owner and to administrators. The pool share of that name holds the backup repository
// itself (packs, snapshot files): no request ever reaches it through this drive, whatever
// the access table says, for administrators too.

const (
	backupsReadOnly = "Backups are read-only, so nothing in them can be changed. To bring a file back, copy it out of the backup to your PC, then put it where you like."
	backupsNotFound = "There is no backup of that name you may open."
	backupsFailed   = "The server could not read the backups just now; please try again in a moment."
)

// inBackups reports whether a WebDAV name lies in the backup view. Share names are exact,
// as the pool keeps them.
func inBackups(name string) bool {
	share, _, ok := cutShare(name)
	return ok && share == backupstore.Share
}

// shareReadable reports whether pr may read a pool share through this drive.
func shareReadable(pr auth.Principal, share string) bool {
	return share != backupstore.Share && pr.Level != nil && pr.Level(share) >= auth.Read
}

// serveBackups answers a request for a name in the backup view. Reading methods go to a
// WebDAV engine over this person's view; every other method is refused.
func (h *Handler) serveBackups(w http.ResponseWriter, r *http.Request, pr auth.Principal, name string) {
	switch r.Method {
	case "GET", "HEAD", "OPTIONS", "PROPFIND":
	default:
		http.Error(w, backupsReadOnly, http.StatusForbidden)
		return
	}
	if h.backups == nil {
		http.Error(w, backupsNotFound, http.StatusNotFound)
		return
	}
	view := backupfs.New(h.backups, pr)
	rel := strings.TrimPrefix(name, "/"+backupstore.Share)
	fi, err := view.Stat(r.Context(), rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		http.Error(w, backupsNotFound, http.StatusNotFound)
		return
	case err != nil:
		h.logWarn("reading the backups failed", "path", name, "err", err)
		http.Error(w, backupsFailed, http.StatusInternalServerError)
		return
	}
	switch r.Method {
	case "OPTIONS":
		w.Header().Set("Allow", "OPTIONS, GET, HEAD, PROPFIND")
		return
	case "PROPFIND":
		if !finiteDepth(w, r) {
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxXMLBody)
		if err := checkXML(r); err != nil {
			h.bodyRefused(w, r, err, "request")
			return
		}
	case "GET", "HEAD":
		if fi.IsDir() {
			h.listBackups(w, r, view, name, rel)
			return
		}
	}
	engine := &webdav.Handler{Prefix: Prefix + "/" + backupstore.Share, FileSystem: view, LockSystem: h.backupLocks, Logger: h.logEngine}
	engine.ServeHTTP(withFileHeaders(w, r, name), r)
}

// listBackups answers a browser's GET of a folder of the backup view.
func (h *Handler) listBackups(w http.ResponseWriter, r *http.Request, view *backupfs.FS, name, rel string) {
	if !strings.HasSuffix(r.URL.Path, "/") {
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
		return
	}
	f, err := view.OpenFile(r.Context(), rel, os.O_RDONLY, 0)
	var list []fs.FileInfo
	if err == nil {
		list, err = f.Readdir(0)
		f.Close()
	}
	if err != nil {
		h.logWarn("listing a backup folder failed", "path", name, "err", err)
		http.Error(w, backupsFailed, http.StatusInternalServerError)
		return
	}
	entries := make([]pool.FileInfo, len(list))
	for i, fi := range list {
		entries[i] = pool.FileInfo{Name: fi.Name(), Path: fi.Name(), Dir: fi.IsDir(), Size: fi.Size(), ModTime: fi.ModTime()}
	}
	note := "Backups are read-only. To bring a file back, download it, or copy it out of this folder when it is open as a network drive."
	if rel == "" {
		note = "Each PC's backups are in its folder, one folder per backup, named by its date and time."
	}
	writeListing(w, r, listing{Title: strings.TrimPrefix(name, "/"), Up: true, Entries: entries, Note: note})
}

// seesBackups reports whether the top folder shows pr the Backups folder: when they may
// see some PC's backups (their own, or any for an administrator). A family member with
// no PC is not shown an empty folder.
func (h *Handler) seesBackups(ctx context.Context, pr auth.Principal) bool {
	if h.backups == nil {
		return false
	}
	pcs, err := backupfs.New(h.backups, pr).PCs(ctx)
	if err != nil {
		h.logWarn("listing the PCs that back up failed", "err", err)
		return false
	}
	return len(pcs) > 0
}

// topFilter returns which entries of the top folder pr sees: the shares they may read,
// and Backups (the backup view in place of the pool share of that name) when they may
// see a PC's backups. It asks the backup store at most once.
func (h *Handler) topFilter(ctx context.Context, pr auth.Principal) func(pool.FileInfo) bool {
	asked, sees := false, false
	return func(fi pool.FileInfo) bool {
		if fi.Name != backupstore.Share {
			return shareReadable(pr, fi.Name)
		}
		if !asked {
			asked, sees = true, h.seesBackups(ctx, pr)
		}
		return sees
	}
}

// backupsEntry is how the Backups folder appears in the top folder: a plain folder,
// nothing of the pool share's own.
func backupsEntry(share pool.FileInfo) pool.FileInfo {
	return pool.FileInfo{Name: backupstore.Share, Path: backupstore.Share, Dir: true, ModTime: share.ModTime}
}

func (h *Handler) logWarn(msg string, args ...any) {
	if h.log != nil {
		h.log.Warn(msg, args...)
	}
}
