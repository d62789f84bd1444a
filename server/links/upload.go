package links

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/hearth-home/hearth/internal/human"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/pool"
	"github.com/hearth-home/hearth/server/pool/safepath"
)

// upload serves an upload-only link: a page with a file picker, and its form's POST,
// which adds each file to the linked folder under a name no file has (never replacing
// one). Nothing else answers: the folder is never listed, no file in it is opened.
func (q *linkRequest) upload(w http.ResponseWriter, r *http.Request) {
	if q.rest != "" {
		q.s.page(w, http.StatusNotFound, "sorry", sorryData{Text: notHere})
		return
	}
	d := uploadData{Owner: q.l.Owner, Folder: path.Base(q.l.Path)}
	if q.l.MaxFiles > 0 {
		d.FilesLeft = max(q.l.MaxFiles-q.l.Files, 0)
	}
	if q.l.MaxBytes > 0 {
		d.BytesLeft = human.Bytes(max(q.l.MaxBytes-q.l.Bytes, 0))
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		q.s.used(r.Context(), q.l, q.ip, "opened the upload link to "+q.l.Path, "")
		q.s.page(w, http.StatusOK, "upload", d)
	case http.MethodPost:
		status := http.StatusOK
		d.Saved, d.Problem = q.receive(r)
		if d.Problem != "" {
			status = http.StatusBadRequest
			if len(d.Saved) > 0 {
				status = http.StatusOK // some arrived: the page says which, and what stopped the rest
			}
		}
		q.s.page(w, status, "upload", d)
	default:
		w.Header().Set("Allow", "GET, POST")
		q.s.page(w, http.StatusMethodNotAllowed, "sorry", sorryData{Text: "This link is for sending files only."})
	}
}

// errLimit: the link's limit of files or bytes is reached.
var errLimit = errors.New("the link's limit is reached")

// receive streams each file of a multipart form into the folder as it arrives, and
// returns the names they were saved under, or what stopped it in words for the sender.
func (q *linkRequest) receive(r *http.Request) (saved []string, problem string) {
	ctx := r.Context()
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "Choose the files to send with the button, then press Send."
	}
	var bytes int64
	defer func() {
		if len(saved) > 0 {
			q.s.event(ctx, "link", q.ip, fmt.Sprintf("Someone at %s sent %d files (%s) into %s through %s's upload link: %s.",
				q.ip, len(saved), human.Bytes(bytes), q.l.Path, q.l.Owner, strings.Join(saved, ", ")))
		}
	}()
	use, err := q.s.quota.enter(ctx, q.s.opt.Catalog, q.l.ID)
	if err != nil {
		q.s.opt.Log.Warn("an upload through a link failed", "link", q.l.ID, "err", err)
		return nil, "The server could not save a file. Send the files again."
	}
	defer q.s.quota.leave(q.l.ID)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return saved, "The upload was cut off. Send the files that are not listed here again."
		}
		if part.FormName() != "files" || part.FileName() == "" {
			part.Close()
			continue
		}
		if q.s.quota.beginFile(use, q.l.MaxFiles) != nil {
			return saved, "This link has taken in all the files it may. Ask the person who sent it for a new one."
		}
		src := &metered{q: q.s.quota, u: use, max: q.l.MaxBytes, r: part}
		name, n, err := q.save(ctx, part.FileName(), src)
		part.Close()
		if err != nil {
			q.s.quota.failed(use, src.n)
		}
		switch {
		case errors.Is(err, errLimit):
			return saved, "That file is larger than this link may still take in. Ask the person who sent it for more room."
		case errors.Is(err, safepath.ErrInvalid):
			return saved, fmt.Sprintf("%q cannot be a file's name here; rename it and send it again.", part.FileName())
		case errors.Is(err, pool.ErrPoolFull):
			return saved, "The server's drives are full. Tell the person who sent the link."
		case err != nil:
			q.s.opt.Log.Warn("an upload through a link failed", "link", q.l.ID, "err", err)
			return saved, "The server could not save a file. Send the files that are not listed here again."
		}
		bytes += n
		saved = append(saved, name)
		bg := context.WithoutCancel(ctx) // the file is in: count it even if the sender left
		err = q.s.opt.Catalog.Update(bg, func(tx *catalog.Tx) error {
			return tx.CountLinkUpload(bg, q.l.ID, n)
		})
		if err != nil {
			q.s.opt.Log.Error("could not count an upload through a link", "err", err)
		}
	}
	if len(saved) == 0 {
		return nil, "No file came. Choose the files to send with the button, then press Send."
	}
	return saved, ""
}

// save writes one file into the folder under a name no file there has, and returns that
// name and its size. src fails with errLimit when the link may take in no more bytes.
func (q *linkRequest) save(ctx context.Context, sent string, src io.Reader) (string, int64, error) {
	name := baseName(sent)
	if name == "" {
		return "", 0, safepath.ErrInvalid
	}
	name, err := q.free(ctx, name)
	if err != nil {
		return "", 0, err
	}
	p := q.l.Path + "/" + name
	zero := uint64(0)
	// IfGen 0: the commit fails rather than replace a file that took the name meanwhile.
	fw, err := q.s.opt.Pool.Create(ctx, p, pool.WriteOptions{IfGen: &zero})
	if err != nil {
		return "", 0, err
	}
	n, err := fw.ReadFrom(src)
	if err != nil {
		fw.Abort()
		return "", 0, err
	}
	if _, err := fw.Commit(ctx); err != nil {
		return "", 0, err
	}
	return name, n, nil
}

// free returns name, or when a file or folder has it already, the first of "name (2).ext",
// "name (3).ext", … that none has.
func (q *linkRequest) free(ctx context.Context, name string) (string, error) {
	ext := path.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	if stem == "" { // ".profile": the whole name is the stem
		stem, ext = name, ""
	}
	for i := 1; i < 10000; i++ {
		try := name
		if i > 1 {
			try = fmt.Sprintf("%s (%d)%s", stem, i, ext)
		}
		_, err := q.s.opt.Pool.Stat(ctx, q.l.Path+"/"+try)
		if errors.Is(err, pool.ErrNotFound) {
			return try, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("no free name for %s: %w", name, pool.ErrExist)
}

// baseName is the last part of a name a browser sent (some send a whole path), or ""
// when nothing usable is left.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		return ""
	}
	return name
}
