package links

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/webhdr"
)

// linkRequest is one request of a working link.
type linkRequest struct {
	s     *Service
	l     catalog.Link
	token string
	rest  string // the path below the linked file or folder, clean, "" for itself
	ip    string
}

// read serves a read-only link: a file's page and the file itself, or a folder's
// listing, its files and subfolders, and any of its folders as a zip.
func (q *linkRequest) read(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		q.s.page(w, http.StatusMethodNotAllowed, "sorry", sorryData{Text: "This link is for opening and downloading only."})
		return
	}
	ctx := r.Context()
	target := q.l.Path
	root, err := q.s.opt.Pool.Stat(ctx, target)
	if err != nil {
		q.missing(w, err)
		return
	}
	if !root.Dir {
		// A file's link: its page at the link's address, the file itself under its name.
		switch q.rest {
		case "":
			q.s.used(ctx, q.l, q.ip, "opened the link to "+root.Name, "")
			q.s.page(w, http.StatusOK, "file", fileData{Name: root.Name, URL: relative(root.Name), Size: human.Bytes(root.Size)})
		case root.Name:
			q.file(w, r, root)
		default:
			q.s.page(w, http.StatusNotFound, "sorry", sorryData{Text: notHere})
		}
		return
	}
	if q.rest != "" {
		target += "/" + q.rest
	}
	fi, err := q.s.opt.Pool.Stat(ctx, target)
	if err != nil {
		q.missing(w, err)
		return
	}
	switch {
	case !fi.Dir:
		q.file(w, r, fi)
	case !strings.HasSuffix(r.URL.Path, "/"):
		http.Redirect(w, r, r.URL.EscapedPath()+"/", http.StatusSeeOther)
	case r.URL.Query().Has("zip"):
		q.zip(w, r, fi)
	default:
		q.list(w, r, root, fi)
	}
}

func (q *linkRequest) missing(w http.ResponseWriter, err error) {
	if errors.Is(err, pool.ErrNotFound) || errors.Is(err, pool.ErrNoShare) {
		q.s.page(w, http.StatusNotFound, "sorry", sorryData{Text: notHere})
		return
	}
	q.s.internal(w, "reading a linked file", err)
}

// file sends a file with ranges (a video seeks), under the headers every user's file
// gets, so that it can never run as one of the server's pages.
func (q *linkRequest) file(w http.ResponseWriter, r *http.Request, fi pool.FileInfo) {
	f, err := q.s.opt.Pool.Open(r.Context(), fi.Path)
	if err != nil {
		q.missing(w, err)
		return
	}
	defer f.Close()
	q.s.used(r.Context(), q.l, q.ip, "downloaded "+fi.Path, fi.Path)
	webhdr.Set(w.Header(), fi.Name)
	if r.URL.Query().Has("download") {
		w.Header().Set("Content-Disposition", webhdr.Attachment(fi.Name))
	}
	http.ServeContent(w, r, "", fi.ModTime, f)
}

func (q *linkRequest) list(w http.ResponseWriter, r *http.Request, root, dir pool.FileInfo) {
	ctx := r.Context()
	list, err := q.s.opt.Pool.List(ctx, dir.Path)
	if err != nil {
		q.missing(w, err)
		return
	}
	slices.SortFunc(list, func(a, b pool.FileInfo) int {
		if a.Dir != b.Dir {
			if a.Dir {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	d := folderData{Name: dir.Name}
	base := Prefix + q.token + "/"
	d.Crumbs = append(d.Crumbs, crumb{Name: root.Name, URL: base})
	if q.rest != "" {
		parts := strings.Split(q.rest, "/")
		for i := range parts {
			d.Crumbs = append(d.Crumbs, crumb{Name: parts[i], URL: base + escape(parts[:i+1]) + "/"})
		}
	}
	for _, fi := range list {
		u := relative(fi.Name)
		if fi.Dir {
			u += "/"
		}
		d.Entries = append(d.Entries, entry{Name: fi.Name, URL: u, Dir: fi.Dir, Size: human.Bytes(fi.Size), Changed: fi.ModTime.Format("2 Jan 2006 15:04")})
	}
	q.s.used(ctx, q.l, q.ip, "opened the folder "+dir.Path, dir.Path)
	q.s.page(w, http.StatusOK, "folder", d)
}

// relative is the address of a name beside the page's, "./" first: a name with a colon
// ("at 10:30.txt") would otherwise read as an address of another scheme.
func relative(name string) string { return "./" + url.PathEscape(name) }

func escape(parts []string) string {
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = url.PathEscape(p)
	}
	return strings.Join(out, "/")
}

// zip streams a folder as a zip, each file read as it is written: nothing is held in
// memory or on disk. A file that cannot be read ends the download as failed, never as a
// whole zip short of a file.
func (q *linkRequest) zip(w http.ResponseWriter, r *http.Request, dir pool.FileInfo) {
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", webhdr.FileCSP)
	h.Set("Content-Disposition", webhdr.Attachment(dir.Name+".zip"))
	q.s.used(r.Context(), q.l, q.ip, "downloaded "+dir.Path+" as a zip", dir.Path+"?zip")
	zw := zip.NewWriter(w)
	err := q.zipAdd(r.Context(), zw, dir.Path, dir.Name)
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		q.s.opt.Log.Warn("a link's zip download stopped", "path", dir.Path, "err", err)
		panic(http.ErrAbortHandler)
	}
}

func (q *linkRequest) zipAdd(ctx context.Context, zw *zip.Writer, dir, inZip string) error {
	list, err := q.s.opt.Pool.List(ctx, dir)
	if err != nil {
		return err
	}
	if _, err := zw.CreateHeader(&zip.FileHeader{Name: inZip + "/", Method: zip.Store}); err != nil {
		return err
	}
	for _, fi := range list {
		in := inZip + "/" + fi.Name
		if fi.Dir {
			if err := q.zipAdd(ctx, zw, fi.Path, in); err != nil {
				return err
			}
			continue
		}
		zf, err := zw.CreateHeader(&zip.FileHeader{Name: in, Method: zip.Deflate, Modified: fi.ModTime})
		if err != nil {
			return err
		}
		f, err := q.s.opt.Pool.Open(ctx, fi.Path)
		if err != nil {
			return err
		}
		_, err = io.Copy(zf, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("zip %s: %w", fi.Path, err)
		}
	}
	return nil
}
