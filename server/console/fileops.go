package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/auth"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// What the Files pages change: a new folder, a rename, a move or copy of a selection to
// another folder, a delete (whose files stay as previous versions, so it can be undone
// and found again under Recently deleted), and an undo of the last of these.

// undo is how to take back the last change, kept in a cookie for the next page: it holds
// nothing a person could not ask for themselves, and each step is checked again.
type undo struct {
	Op    string      `json:"op"`    // what was done: "delete", "move", "copy", "mkdir"
	Items [][2]string `json:"items"` // for each item: where it was, where it is (pool paths)
	At    time.Time   `json:"at"`
	// Made is the pool's generation when a copy or a new folder was done: an undo takes
	// away only what has not changed since, never a file someone put there meanwhile.
	Made uint64 `json:"made,omitempty"`
	// User made the change: a browser the family shares keeps the cookie after they sign
	// out, and the next person must not be offered (or make) their undo.
	User string `json:"user"`
}

const undoCookie = "__Host-hearth_undo"

func setUndo(w http.ResponseWriter, u undo) {
	b, _ := json.Marshal(u)
	http.SetCookie(w, &http.Cookie{Name: undoCookie, Value: url.QueryEscape(string(b)), Path: "/", MaxAge: 600,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func clearUndo(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: undoCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// readUndo is the undo the signed-in person's last change left, if any.
func readUndo(r *http.Request) (undo, bool) {
	var u undo
	ck, err := r.Cookie(undoCookie)
	if err != nil {
		return u, false
	}
	pr, _ := auth.PrincipalOf(r.Context())
	v, err := url.QueryUnescape(ck.Value)
	return u, err == nil && json.Unmarshal([]byte(v), &u) == nil && u.Op != "" && len(u.Items) > 0 && len(u.Items) <= 1000 &&
		pr.Name != "" && strings.EqualFold(u.User, pr.Name)
}

// fileOp does one change from a Files page and goes back to the folder.
func (c *Console) fileOp(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	back := filesBack(r.PostForm.Get("back"))
	ctx := r.Context()
	paths := r.PostForm["path"]
	// Every path named must be one the person may change.
	need := func(p string) (string, bool) {
		share, rest := safepath.Split(p)
		return c.fileAccess(w, r, share, rest, auth.Full)
	}
	for _, p := range append(slicesOf(paths), r.PostForm.Get("to"), r.PostForm.Get("dir")) {
		if p == "" {
			continue
		}
		if _, ok := need(p); !ok {
			return
		}
	}
	var u undo
	var msg string
	var err error
	switch op := r.PathValue("op"); op {
	case "mkdir":
		dir, name := r.PostForm.Get("dir"), strings.TrimSpace(r.PostForm.Get("name"))
		p := dir + "/" + name
		if _, ok := need(p); !ok {
			return
		}
		var fi pool.FileInfo
		fi, err = c.opt.Pool.Mkdir(ctx, p, time.Time{})
		u, msg = undo{Op: "mkdir", Items: [][2]string{{"", p}}, Made: fi.Gen}, "The folder "+name+" is made."
	case "rename":
		if len(paths) != 1 {
			break
		}
		to := safepath.Parent(paths[0]) + "/" + strings.TrimSpace(r.PostForm.Get("name"))
		if _, ok := need(to); !ok {
			return
		}
		err = c.move(ctx, paths[0], to)
		u, msg = undo{Op: "move", Items: [][2]string{{paths[0], to}}}, "Renamed to "+path.Base(to)+"."
	case "move", "copy":
		to := r.PostForm.Get("to")
		u.Op = op
		for _, p := range paths {
			dst := to + "/" + path.Base(p)
			if op == "move" {
				err = c.move(ctx, p, dst)
			} else {
				var made uint64
				dst, made, err = c.copy(ctx, p, dst)
				u.Made = max(u.Made, made)
			}
			if err != nil {
				break
			}
			u.Items = append(u.Items, [2]string{p, dst})
		}
		msg = fmt.Sprintf("%s to %s.", map[string]string{"move": "Moved " + plural(len(u.Items), "item", "items"), "copy": "Copied " + plural(len(u.Items), "item", "items")}[op], to)
	case "delete":
		u.Op = "delete"
		for _, p := range paths {
			if err = c.opt.Pool.Remove(ctx, p); err != nil {
				break
			}
			u.Items = append(u.Items, [2]string{p, ""})
		}
		msg = "Deleted " + plural(len(u.Items), "item", "items") + ". You can undo it, or find it later under Recently deleted."
	case "undo":
		var ok bool
		if u, ok = readUndo(r); !ok {
			c.done(w, r, back, nil, "There is nothing to undo.")
			return
		}
		for _, it := range u.Items {
			for _, p := range it {
				if p != "" {
					if _, ok := need(p); !ok {
						return
					}
				}
			}
		}
		err = c.takeBack(ctx, u)
		clearUndo(w)
		c.done(w, r, back, err, "Undone.")
		return
	default:
		c.sorry(w, r, http.StatusNotFound, "The Files page cannot do that.")
		return
	}
	if len(u.Items) > 0 {
		pr, _ := auth.PrincipalOf(ctx)
		u.At, u.User = time.Now(), pr.Name
		setUndo(w, u)
	}
	if err == nil && msg == "" {
		err = pool.ErrNotFound
	}
	c.done(w, r, back, err, msg)
}

// filesBack is the page of Files a form names to go back to, or Files itself. A prefix
// alone does not make it one: the redirect tidies "/files/../\evil.example" into
// "/\evil.example", which a browser reads as another site's address (so is "/\t/x"), so
// a backslash or a control character anywhere sends the person to Files instead.
func filesBack(back string) string {
	if c := path.Clean(back); (c != "/files" && !strings.HasPrefix(c, "/files/")) ||
		strings.ContainsFunc(back, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return "/files"
	}
	return back
}

func slicesOf(s []string) []string { return append([]string(nil), s...) }

// move renames, never over something there: a family's "move" must not replace a file.
func (c *Console) move(ctx context.Context, from, to string) error {
	if _, err := c.opt.Pool.Stat(ctx, to); err == nil {
		return fmt.Errorf("%s: %w", to, pool.ErrExist)
	}
	return c.opt.Pool.Rename(ctx, from, to)
}

// copy copies a file or folder to dst, or beside it as "name (2)" when dst is taken,
// and returns where it went and the pool's generation when the last of it was made.
func (c *Console) copy(ctx context.Context, src, dst string) (string, uint64, error) {
	dst, err := c.freeName(ctx, dst)
	if err != nil {
		return "", 0, err
	}
	fi, err := c.opt.Pool.Stat(ctx, src)
	if err != nil {
		return "", 0, err
	}
	if !fi.Dir {
		made, err := c.copyFile(ctx, src, dst)
		return dst, made, err
	}
	if safepath.Within(dst, src) {
		return "", 0, fmt.Errorf("%w: a folder cannot be copied into itself", pool.ErrRefused)
	}
	dir, err := c.opt.Pool.Mkdir(ctx, dst, fi.ModTime)
	if err != nil {
		return "", 0, err
	}
	made := dir.Gen
	list, err := c.opt.Pool.List(ctx, src)
	if err != nil {
		return "", 0, err
	}
	for _, e := range list {
		_, gen, err := c.copy(ctx, src+"/"+e.Name, dst+"/"+e.Name)
		if err != nil {
			return "", 0, err
		}
		made = max(made, gen)
	}
	return dst, made, nil
}

func (c *Console) copyFile(ctx context.Context, src, dst string) (uint64, error) {
	f, err := c.opt.Pool.Open(ctx, src)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	none := uint64(0) // nothing there: never replace a file
	fi, err := c.opt.Pool.WriteFile(ctx, dst, f, pool.WriteOptions{Size: f.Info().Size, ModTime: f.Info().ModTime, IfGen: &none})
	return fi.Gen, err
}

// freeName is p, or the first "name (n).ext" beside it that nothing has.
func (c *Console) freeName(ctx context.Context, p string) (string, error) {
	ext := path.Ext(p)
	stem := strings.TrimSuffix(p, ext)
	for i := 1; i < 1000; i++ {
		try := p
		if i > 1 {
			try = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
		if _, err := c.opt.Pool.Stat(ctx, try); errors.Is(err, pool.ErrNotFound) {
			return try, nil
		} else if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: %w", p, pool.ErrExist)
}

// errChangedSince refuses an undo of a copy or a new folder that someone changed since.
var errChangedSince = errors.New("changed since the change to undo")

// takeBack undoes u.
func (c *Console) takeBack(ctx context.Context, u undo) error {
	for _, it := range u.Items {
		var err error
		switch u.Op {
		case "move":
			err = c.move(ctx, it[1], it[0])
		case "copy", "mkdir":
			if err = c.opt.Pool.RemoveUnchanged(ctx, it[1], u.Made); errors.Is(err, pool.ErrChanged) {
				err = fmt.Errorf("%w: %w", errChangedSince, err)
			}
		case "delete":
			err = c.bringBack(ctx, it[0], u.At.Add(-time.Minute))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// bringBack restores the file, or every file below the folder, at p as it was when
// deleted: the newest version of each kept since.
func (c *Console) bringBack(ctx context.Context, p string, since time.Time) error {
	vs, err := c.opt.Pool.Versions(ctx, p)
	if err != nil {
		return err
	}
	done := map[string]bool{}
	for _, v := range vs { // newest first
		if done[v.Path] || v.Kept.Before(since) {
			continue
		}
		done[v.Path] = true
		if _, err := c.opt.Pool.RestoreVersion(ctx, v.Path, v.Gen, v.Path); err != nil {
			return err
		}
	}
	if len(done) == 0 {
		// An empty folder has no versions: make it again.
		_, err := c.opt.Pool.Mkdir(ctx, p, time.Time{})
		return err
	}
	return nil
}
