package console

import (
	"archive/zip"
	"context"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool/safepath"
	"github.com/hearth-home/hearth/server/webhdr"
)

type versionsData struct {
	Share, Path, Name, Folder string
	Versions                  []versionRow
	MayChange                 bool
}

type versionRow struct {
	Gen     uint64
	Size    int64
	ModTime string
	Kept    string
}

// versions lists a file's previous versions (?gen=N opens one).
func (c *Console) versions(w http.ResponseWriter, r *http.Request) {
	share, rest := r.PathValue("share"), strings.Trim(r.PathValue("rest"), "/")
	p, ok := c.fileAccess(w, r, share, rest, auth.Read)
	if !ok {
		return
	}
	vs, err := c.opt.Pool.Versions(r.Context(), p)
	if err != nil {
		c.unreadable(w, r, "this file's previous versions", err)
		return
	}
	if g := r.URL.Query().Get("gen"); g != "" {
		gen, _ := strconv.ParseUint(g, 10, 64)
		c.sendVersion(w, r, p, gen)
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	d := versionsData{Share: share, Path: p, Name: path.Base(p), Folder: "/files/" + escapePath(strings.Split(safepath.Parent(p), "/")...) + "/",
		MayChange: pr.Level(share) >= auth.Full}
	for _, v := range vs {
		if v.Path == p {
			d.Versions = append(d.Versions, versionRow{Gen: v.Gen, Size: v.Size, ModTime: c.when(v.ModTime), Kept: c.when(v.Kept)})
		}
	}
	c.render(w, r, "versions", "Previous versions of "+d.Name, d)
}

func (c *Console) sendVersion(w http.ResponseWriter, r *http.Request, p string, gen uint64) {
	rc, v, err := c.opt.Pool.OpenVersion(r.Context(), p, gen)
	if err != nil {
		c.sorry(w, r, http.StatusNotFound, "That version is not kept any more. Go back to see the versions there are.")
		return
	}
	defer rc.Close()
	webhdr.Set(w.Header(), p)
	w.Header().Set("Content-Disposition", webhdr.Attachment(path.Base(p)))
	w.Header().Set("Content-Length", strconv.FormatInt(v.Size, 10))
	if _, err := io.Copy(w, rc); err != nil {
		panic(http.ErrAbortHandler) // a damaged version must not arrive as a whole file
	}
}

// restoreVersion puts a previous version back (what is there now becomes a version).
func (c *Console) restoreVersion(w http.ResponseWriter, r *http.Request) {
	share, rest := r.PathValue("share"), strings.Trim(r.PathValue("rest"), "/")
	p, ok := c.fileAccess(w, r, share, rest, auth.Full)
	if !ok {
		return
	}
	gen, _ := strconv.ParseUint(r.PostFormValue("gen"), 10, 64)
	_, err := c.opt.Pool.RestoreVersion(r.Context(), p, gen, p)
	c.done(w, r, "/versions/"+escapePath(strings.Split(p, "/")...), err, "That version is back. The one it replaced is kept as a previous version.")
}

type deletedData struct {
	Share     string
	Items     []deletedRow
	MayChange bool
}

type deletedRow struct {
	Path, Name, In string
	Gen            uint64
	Size           int64
	Kept           string
}

// deleted lists a share's files deleted and still kept, newest first, to bring back.
func (c *Console) deleted(w http.ResponseWriter, r *http.Request) {
	share := r.PathValue("share")
	p, ok := c.fileAccess(w, r, share, "", auth.Read)
	if !ok {
		return
	}
	vs, err := c.opt.Pool.Versions(r.Context(), p)
	if err != nil {
		c.unreadable(w, r, "what was deleted", err)
		return
	}
	pr, _ := auth.PrincipalOf(r.Context())
	d := deletedData{Share: share, MayChange: pr.Level(share) >= auth.Full}
	seen := map[string]bool{}
	for _, v := range vs {
		if seen[v.Path] {
			continue
		}
		seen[v.Path] = true
		if _, err := c.opt.Pool.Stat(r.Context(), v.Path); err == nil {
			continue // there now: its versions are under the file
		}
		_, rel := safepath.Split(safepath.Parent(v.Path))
		d.Items = append(d.Items, deletedRow{Path: v.Path, Name: path.Base(v.Path), In: rel, Gen: v.Gen, Size: v.Size, Kept: c.when(v.Kept)})
		if len(d.Items) == 1000 {
			break
		}
	}
	c.render(w, r, "deleted", "Recently deleted from "+share, d)
}

// zipSelection streams the files and folders chosen in one folder as one zip: a POST
// from the folder's form (whose other buttons change things, so it carries the CSRF
// token), or a GET for a whole folder by its link.
func (c *Console) zipSelection(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	paths := r.Form["path"]
	if len(paths) == 0 || len(paths) > 10000 {
		c.sorry(w, r, http.StatusBadRequest, "Choose what to download first.")
		return
	}
	for _, p := range paths {
		share, rest := safepath.Split(p)
		if _, ok := c.fileAccess(w, r, share, rest, auth.Read); !ok {
			return
		}
	}
	name := path.Base(paths[0])
	if len(paths) > 1 {
		name = path.Base(safepath.Parent(paths[0]))
	}
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Security-Policy", webhdr.FileCSP)
	h.Set("Content-Disposition", webhdr.Attachment(name+".zip"))
	zw := zip.NewWriter(w)
	for _, p := range paths {
		if err := c.zipPool(r.Context(), zw, p, path.Base(p)); err != nil {
			c.opt.Log.Warn("a zip download stopped", "path", p, "err", err)
			panic(http.ErrAbortHandler) // the browser must not keep half a zip as a whole one
		}
	}
	if err := zw.Close(); err != nil {
		panic(http.ErrAbortHandler)
	}
}

// zipPool adds a file or a folder of the pool to a zip, reading each file as it goes.
func (c *Console) zipPool(ctx context.Context, zw *zip.Writer, p, inZip string) error {
	fi, err := c.opt.Pool.Stat(ctx, p)
	if err != nil {
		return err
	}
	if !fi.Dir {
		f, err := c.opt.Pool.Open(ctx, p)
		if err != nil {
			return err
		}
		defer f.Close()
		zf, err := zw.CreateHeader(&zip.FileHeader{Name: inZip, Method: zip.Deflate, Modified: fi.ModTime})
		if err != nil {
			return err
		}
		_, err = io.Copy(zf, f)
		return err
	}
	if _, err := zw.CreateHeader(&zip.FileHeader{Name: inZip + "/", Method: zip.Store, Modified: fi.ModTime}); err != nil {
		return err
	}
	list, err := c.opt.Pool.List(ctx, p)
	if err != nil {
		return err
	}
	for _, e := range list {
		if err := c.zipPool(ctx, zw, p+"/"+e.Name, inZip+"/"+e.Name); err != nil {
			return err
		}
	}
	return nil
}
