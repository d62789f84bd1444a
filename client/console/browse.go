package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-webdav"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
)

// entry is a file or folder in the Files page.
type entry struct {
	name    string
	dir     bool
	size    int64
	modTime time.Time
}

// browser walks the server's shares through its WebDAV drive, as any WebDAV client does.
type browser struct {
	dav    *webdav.Client
	prefix string // the drive's path on the server, "/dav/"
	shares []schema.Share
	dir    string // "" lists the shares; else "Share/folder"
	// cfg asks the server's JSON API what the drive cannot: a search by name.
	cfg connector.Config
}

func newBrowser(ctx context.Context, cfg connector.Config) (*browser, error) {
	hc, err := cfg.HTTPClient()
	if err != nil {
		return nil, err
	}
	dav, err := webdav.NewClient(webdav.HTTPClientWithBasicAuth(hc, cfg.User, cfg.Token), cfg.DAV())
	if err != nil {
		return nil, fmt.Errorf("open the server's drive: %w", err)
	}
	me, err := cfg.Me(ctx)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(cfg.DAV())
	return &browser{dav: dav, prefix: u.Path, shares: me.Shares, cfg: cfg}, nil
}

// writable says whether the user may change the share the browser is in.
func (b *browser) writable() bool {
	share, _, _ := strings.Cut(b.dir, "/")
	for _, s := range b.shares {
		if s.Name == share {
			return s.Access == "full"
		}
	}
	return false
}

// list returns the folder's contents, folders first, by name.
func (b *browser) list(ctx context.Context) ([]entry, error) {
	if b.dir == "" {
		out := make([]entry, 0, len(b.shares))
		for _, s := range b.shares {
			out = append(out, entry{name: s.Name, dir: true})
		}
		return out, nil
	}
	fis, err := b.dav.ReadDir(ctx, b.dir+"/", false)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", b.dir, err)
	}
	self := strings.TrimSuffix(b.prefix+b.dir, "/")
	var out []entry
	for _, fi := range fis {
		p := strings.TrimSuffix(fi.Path, "/") // already decoded by the client
		if p == self {
			continue
		}
		out = append(out, entry{name: path.Base(p), dir: fi.IsDir, size: fi.Size, modTime: fi.ModTime})
	}
	slices.SortFunc(out, func(a, b entry) int {
		if a.dir != b.dir {
			if a.dir {
				return -1
			}
			return 1
		}
		return strings.Compare(strings.ToLower(a.name), strings.ToLower(b.name))
	})
	return out, nil
}

// open goes into a folder of the current one; ".." goes up.
func (b *browser) open(name string) {
	if name == ".." {
		b.dir = path.Dir(b.dir)
		if b.dir == "." {
			b.dir = ""
		}
		return
	}
	b.dir = path.Join(b.dir, name)
}

// errExists: a file of that name is already in the folder.
var errExists = errors.New("a file of that name is already here; rename or delete it first")

// errBadName: a name a file cannot have on the drive.
var errBadName = errors.New("a name may not be empty, \".\" or \"..\", nor contain / or \\")

func checkName(name string) error {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return fmt.Errorf("%q: %w", name, errBadName)
	}
	return nil
}

// in is the drive path of name in the current folder.
func (b *browser) in(name string) (string, error) {
	if b.dir == "" {
		return "", errors.New("open a share first")
	}
	if err := checkName(name); err != nil {
		return "", err
	}
	return b.dir + "/" + name, nil
}

func (b *browser) mkdir(ctx context.Context, name string) error {
	p, err := b.in(name)
	if err != nil {
		return err
	}
	if err := b.dav.Mkdir(ctx, p); err != nil {
		return fmt.Errorf("make the folder %s: %w", name, err)
	}
	return nil
}

func (b *browser) rename(ctx context.Context, from, to string) error {
	src, err := b.in(from)
	if err != nil {
		return err
	}
	dst, err := b.in(to)
	if err != nil {
		return err
	}
	if err := b.dav.Move(ctx, src, dst, &webdav.MoveOptions{NoOverwrite: true}); err != nil {
		return fmt.Errorf("rename %s: %w", from, err)
	}
	return nil
}

func (b *browser) remove(ctx context.Context, name string) error {
	p, err := b.in(name)
	if err != nil {
		return err
	}
	if err := b.dav.RemoveAll(ctx, p); err != nil {
		return fmt.Errorf("delete %s: %w", name, err)
	}
	return nil
}

// upload copies a local file into the current folder, reporting bytes sent.
func (b *browser) upload(ctx context.Context, local string, progress func(done, total int64)) error {
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if st.IsDir() {
		return fmt.Errorf("%s is a folder; upload the files in it", filepath.Base(local))
	}
	return b.put(ctx, filepath.Base(local), f, st.Size(), progress)
}

// put stores what r gives as a new file name in the current folder.
func (b *browser) put(ctx context.Context, name string, r io.Reader, size int64, progress func(done, total int64)) error {
	p, err := b.in(name)
	if err != nil {
		return err
	}
	if _, err := b.dav.Stat(ctx, p); err == nil {
		// Never replaced unasked: the family's copy on the server may be the newer one.
		return fmt.Errorf("%s: %w", name, errExists)
	}
	// A copy cut short must abort the upload, not end it: ending it would store the
	// part sent in place of the file.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := b.dav.Create(ctx, p)
	if err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	if _, err := io.Copy(w, &counting{r: r, total: size, progress: progress}); err != nil {
		cancel()
		w.Close()
		return fmt.Errorf("upload %s: %w", name, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("upload %s: %w", name, err)
	}
	return nil
}

// download copies a file of the current folder into the local folder dir; a file of
// that name there is not overwritten.
func (b *browser) download(ctx context.Context, e entry, dir string, progress func(done, total int64)) (string, error) {
	p, err := b.in(e.name)
	if err != nil {
		return "", err
	}
	r, err := b.dav.Open(ctx, p)
	if err != nil {
		return "", fmt.Errorf("download %s: %w", e.name, err)
	}
	defer r.Close()
	out := filepath.Join(dir, e.name)
	f, err := os.CreateTemp(dir, ".hearth-download-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(f.Name()) // gone once renamed; cleans up after a failure
	_, err = io.Copy(f, &counting{r: r, total: e.size, progress: progress})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if _, serr := os.Lstat(out); serr == nil {
			err = fmt.Errorf("%s is already there; not overwritten", out)
		} else {
			err = os.Rename(f.Name(), out)
		}
	}
	if err != nil {
		return "", fmt.Errorf("download %s: %w", e.name, err)
	}
	return out, nil
}

// counting reports how much of a transfer has passed.
type counting struct {
	r        io.Reader
	done     int64
	total    int64
	progress func(done, total int64)
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.done += int64(n)
	if c.progress != nil && n > 0 {
		c.progress(c.done, c.total)
	}
	return n, err
}
