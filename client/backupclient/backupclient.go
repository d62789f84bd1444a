// Package backupclient backs this PC up to its Hearth server and restores from it, over
// the server's HTTPS API with the device's token.
package backupclient

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/server/api/schema"
)

// Client talks to the server's backup API.
type Client struct {
	cfg connector.Config
	hc  *http.Client
	// bulk sends packs and fetches pieces for a restore, over HTTP/1.1 (see bulkClient).
	bulk  *http.Client
	codec *backup.Codec
	// fetchBufs keeps a restore's buffers for pieces between requests (*fetchBuf):
	// each batch growing new ones cost the PC a tenth of its work in clearing memory.
	fetchBufs *sync.Pool
	pc        string
	// owner, when set, signs requests in with the owner's password instead of the PC's
	// token: the server lets go of backups (unpin) only for the owner, never a device.
	owner *ownerSignIn
}

type ownerSignIn struct{ user, password string }

// fetchBuf holds a piece as stored and as plain while Blobs reads a batch.
type fetchBuf struct{ stored, plain []byte }

// AsOwner returns a client that signs in as the PC's owner with password, for what a
// device's own token may not do (letting a kept backup go).
func (c *Client) AsOwner(password string) *Client {
	o := *c
	o.owner = &ownerSignIn{user: c.cfg.User, password: password}
	return &o
}

// Owner is the user the PC joined as.
func (c *Client) Owner() string { return c.cfg.User }

// New returns a client for the PC cfg joined as.
func New(cfg connector.Config) (*Client, error) {
	hc, err := cfg.HTTPClient()
	if err != nil {
		return nil, err
	}
	pc := cfg.DeviceName
	if err := backup.CheckPCName(pc); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPCName, err)
	}
	return &Client{cfg: cfg, hc: hc, bulk: bulkClient(hc), codec: backup.NewCodec(), fetchBufs: &sync.Pool{}, pc: pc}, nil
}

// bulkClient is hc over HTTP/1.1 with large buffers, for packs sent and pieces fetched.
// Go's HTTP/2 cuts a body into frames of 16 KiB under flow-control windows and copies
// each frame through a buffer on both sides: in the profile of a first backup that cost
// the PC and the server more CPU than TLS itself, and in a restore's a tenth of the PC's.
// A pack, or a restore's batch of pieces, is one long body with nothing to multiplex,
// which HTTP/1.1 sends straight through TLS. The other calls stay on hc.
func bulkClient(hc *http.Client) *http.Client {
	t := hc.Transport.(*http.Transport).Clone()
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{} // no HTTP/2
	t.TLSClientConfig.NextProtos = []string{"http/1.1"}
	t.WriteBufferSize, t.ReadBufferSize = 256<<10, 256<<10
	up := *hc
	up.Transport = t
	return &up
}

// PC is the name this PC's backups go under.
func (c *Client) PC() string { return c.pc }

// ErrIncomplete: the server lacks pieces the backup refers to; back up again reading
// every file.
type ErrIncomplete struct{ Missing int }

func (e *ErrIncomplete) Error() string {
	return fmt.Sprintf("the server lacks %d pieces of this backup", e.Missing)
}

// ErrSessionGone: the server forgot the backup session (it restarted, or the PC slept long).
var ErrSessionGone = errors.New("the server ended this backup session")

// ErrRunning: a backup of this PC is running already (another program on the PC started
// it); the server takes one at a time.
var ErrRunning = errors.New("a backup of this PC is running already")

// ErrNoSuchBackup: no backup of this PC goes by the name asked for (never made, or let
// go by the retention rule since it was listed).
var ErrNoSuchBackup = errors.New("no such backup")

// StatusError is an answer the server refused with.
type StatusError struct {
	Code int
	Msg  string
	// Err is the sentinel a caller decides on, when the refusal has one (a 401 is
	// connector.ErrBadCredentials: this PC's sign-in is no longer known).
	Err error
}

func (e *StatusError) Error() string { return "the server said: " + e.Msg }
func (e *StatusError) Unwrap() error { return e.Err }

// ErrPCName: this PC's name cannot name its backups (too long, or characters a
// folder name cannot hold); the PC must join again under another name.
var ErrPCName = errors.New("this PC's name cannot name its backups")

func (c *Client) do(ctx context.Context, method, path string, body []byte, contentType string) (*http.Response, error) {
	return c.doWith(ctx, c.hc, method, path, body, contentType)
}

func (c *Client) doWith(ctx context.Context, hc *http.Client, method, path string, body []byte, contentType string) (*http.Response, error) {
	// A GET with an empty, non-nil body would be sent over HTTP/2 as one of unknown
	// length, and wait for it.
	var rd io.Reader
	if len(body) > 0 {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.Server+path, rd)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.owner != nil {
		req.SetBasicAuth(c.owner.user, c.owner.password)
	} else {
		c.cfg.Bearer(req)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach %s: %w", c.cfg.Server, err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode == http.StatusConflict {
			var inc schema.Incomplete
			if json.Unmarshal(b, &inc) == nil {
				return nil, &ErrIncomplete{Missing: len(inc.Missing)}
			}
		}
		if resp.StatusCode == http.StatusGone {
			return nil, ErrSessionGone
		}
		var e struct{ Error string }
		if json.Unmarshal(b, &e) != nil || e.Error == "" {
			e.Error = strings.TrimSpace(string(b))
		}
		var sentinel error
		switch {
		case resp.StatusCode == http.StatusUnauthorized && c.owner != nil:
			e.Error = "wrong password for " + c.owner.user + "; nothing was changed"
		case resp.StatusCode == http.StatusUnauthorized:
			e.Error = "this PC's sign-in was refused; it may have been removed from the server"
			sentinel = connector.ErrBadCredentials
		}
		return nil, &StatusError{Code: resp.StatusCode, Msg: e.Error, Err: sentinel}
	}
	return resp, nil
}

func (c *Client) getJSON(ctx context.Context, path string, out any) error {
	resp, err := c.do(ctx, http.MethodGet, path, nil, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

func (c *Client) pcPath() string { return "/api/v1/backup/pcs/" + url.PathEscape(c.pc) }

// Snapshots lists this PC's backups, oldest first. A PC that never backed up has none.
func (c *Client) Snapshots(ctx context.Context) ([]schema.Snapshot, error) {
	var out []schema.Snapshot
	err := c.getJSON(ctx, c.pcPath()+"/snapshots", &out)
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		return nil, nil
	}
	return out, err
}

// Snapshot reads one backup, by ID or by a prefix of it, or "latest".
func (c *Client) Snapshot(ctx context.Context, which string) (backup.ID, backup.Snapshot, error) {
	snaps, err := c.Snapshots(ctx)
	if err != nil {
		return backup.ID{}, backup.Snapshot{}, err
	}
	var match []schema.Snapshot
	for _, s := range snaps {
		if s.ID == which || (len(which) >= 4 && strings.HasPrefix(s.ID, which)) || s.Folder == which {
			match = append(match, s)
		}
	}
	if which == "latest" && len(snaps) > 0 {
		match = snaps[len(snaps)-1:]
	}
	switch {
	case len(match) == 0:
		return backup.ID{}, backup.Snapshot{}, fmt.Errorf("no backup of %s is called %q: %w", c.pc, which, ErrNoSuchBackup)
	case len(match) > 1:
		return backup.ID{}, backup.Snapshot{}, fmt.Errorf("%q names %d backups; give more of the ID", which, len(match))
	}
	id, err := backup.ParseID(match[0].ID)
	if err != nil {
		return backup.ID{}, backup.Snapshot{}, err
	}
	resp, err := c.do(ctx, http.MethodGet, c.pcPath()+"/snapshots/"+id.String(), nil, "")
	if err != nil {
		return backup.ID{}, backup.Snapshot{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return backup.ID{}, backup.Snapshot{}, err
	}
	if backup.Hash(data) != id {
		return backup.ID{}, backup.Snapshot{}, fmt.Errorf("backup %s: %w", id.Short(), backup.ErrCorrupt)
	}
	s, err := backup.DecodeSnapshot(data)
	return id, s, err
}

// Blob fetches a blob and checks it against its name.
func (c *Client) Blob(ctx context.Context, id backup.ID) ([]byte, error) {
	resp, err := c.do(ctx, http.MethodGet, c.pcPath()+"/blobs/"+id.String(), nil, "")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	enc, err1 := strconv.Atoi(resp.Header.Get("Hearth-Encoding"))
	raw, err2 := strconv.Atoi(resp.Header.Get("Hearth-Raw-Length"))
	if err1 != nil || err2 != nil || raw < 0 || raw > backup.MaxBlob || resp.ContentLength > backup.MaxBlob {
		return nil, fmt.Errorf("blob %s: the server's answer lacks its encoding", id.Short())
	}
	stored := make([]byte, 0, max(resp.ContentLength, 0))
	buf := bytes.NewBuffer(stored)
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, backup.MaxBlob+1)); err != nil {
		return nil, fmt.Errorf("blob %s: %w", id.Short(), err)
	}
	return c.codec.Expand(make([]byte, 0, raw), id, backup.Encoding(enc), buf.Bytes(), raw)
}

// Session is one backup in progress; it is what the archiver sends through.
type Session struct {
	c        *Client
	id       string
	ParentOK bool
}

// Pin keeps backup id of this PC whatever the retention rule says, or (pinned false)
// lets the rule judge it again.
func (c *Client) Pin(ctx context.Context, id backup.ID, pinned bool) error {
	method := http.MethodPut
	if !pinned {
		method = http.MethodDelete
	}
	resp, err := c.do(ctx, method, c.pcPath()+"/snapshots/"+id.String()+"/pin", nil, "")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Begin starts a backup session; parent is the previous backup to compare with.
func (c *Client) Begin(ctx context.Context, parent *backup.ID) (*Session, error) {
	req := schema.NewBackupSession{}
	if parent != nil {
		req.Parent = parent.String()
	}
	body, _ := json.Marshal(req)
	resp, err := c.do(ctx, http.MethodPost, c.pcPath()+"/sessions", body, "application/json")
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusLocked {
		return nil, fmt.Errorf("%w: %s", ErrRunning, se.Msg)
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out schema.BackupSession
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("start the backup: %w", err)
	}
	return &Session{c: c, id: out.Session, ParentOK: out.ParentOK}, nil
}

func (s *Session) path() string { return "/api/v1/backup/sessions/" + url.PathEscape(s.id) }

// Missing asks which of ids the server lacks.
func (s *Session) Missing(ctx context.Context, ids []backup.ID) ([]backup.ID, error) {
	body := make([]byte, 0, 32*len(ids))
	for _, id := range ids {
		body = append(body, id[:]...)
	}
	resp, err := s.c.do(ctx, http.MethodPost, s.path()+"/missing", body, "application/octet-stream")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, int64(len(body))+1))
	if err != nil || len(out)%32 != 0 || len(out) > len(body) {
		return nil, fmt.Errorf("the server's answer about what it has is damaged: %v", err)
	}
	missing := make([]backup.ID, len(out)/32)
	for i := range missing {
		copy(missing[i][:], out[32*i:])
	}
	return missing, nil
}

// PutPack sends a pack.
func (s *Session) PutPack(ctx context.Context, name backup.ID, data []byte) error {
	resp, err := s.c.doWith(ctx, s.c.bulk, http.MethodPut, s.path()+"/packs/"+name.String(), data, "application/octet-stream")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// Blob fetches a blob (the previous backup's folder listings).
func (s *Session) Blob(ctx context.Context, id backup.ID) ([]byte, error) { return s.c.Blob(ctx, id) }

// Commit records the backup.
func (s *Session) Commit(ctx context.Context, snap backup.Snapshot) (schema.Snapshot, error) {
	data, _, err := backup.EncodeSnapshot(snap)
	if err != nil {
		return schema.Snapshot{}, err
	}
	resp, err := s.c.do(ctx, http.MethodPost, s.path()+"/commit", data, "application/json")
	if err != nil {
		return schema.Snapshot{}, err
	}
	defer resp.Body.Close()
	var out schema.Snapshot
	return out, json.NewDecoder(resp.Body).Decode(&out)
}

// Alive tells the server the backup still runs, while it reads files the server has
// and asks it nothing for a while.
func (s *Session) Alive(ctx context.Context) error {
	resp, err := s.c.do(ctx, http.MethodPost, s.path()+"/alive", nil, "")
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// End abandons the session.
func (s *Session) End(ctx context.Context) {
	if resp, err := s.c.do(ctx, http.MethodDelete, s.path(), nil, ""); err == nil {
		resp.Body.Close()
	}
}

// Blobs fetches many blobs in one request and calls fn with each, expanded and checked,
// in whatever order the server sends them. Every one asked for must come.
func (c *Client) Blobs(ctx context.Context, ids []backup.ID, fn func(id backup.ID, plain []byte) error) error {
	body := make([]byte, 0, 32*len(ids))
	want := make(map[backup.ID]bool, len(ids))
	for _, id := range ids {
		body = append(body, id[:]...)
		want[id] = true
	}
	// Like packs, the answer is one long stream: HTTP/1.1 sends it with less copying.
	resp, err := c.doWith(ctx, c.bulk, http.MethodPost, c.pcPath()+"/blobs", body, "application/octet-stream")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	rd := bufio.NewReaderSize(resp.Body, 256<<10)
	var head [41]byte
	buf, _ := c.fetchBufs.Get().(*fetchBuf)
	if buf == nil {
		buf = &fetchBuf{}
	}
	defer c.fetchBufs.Put(buf)
	stored, plain := buf.stored, buf.plain
	defer func() { buf.stored, buf.plain = stored, plain }()
	for len(want) > 0 {
		if _, err := io.ReadFull(rd, head[:]); err != nil {
			return fmt.Errorf("fetch backup pieces: the answer stopped early: %w", err)
		}
		id := backup.ID(head[:32])
		raw := binary.LittleEndian.Uint32(head[33:])
		n := binary.LittleEndian.Uint32(head[37:])
		if !want[id] || raw > backup.MaxBlob || n > backup.MaxBlob {
			return fmt.Errorf("fetch backup pieces: the server sent one not asked for")
		}
		delete(want, id)
		stored = slices.Grow(stored[:0], int(n))[:n]
		if _, err := io.ReadFull(rd, stored); err != nil {
			return fmt.Errorf("fetch backup pieces: the answer stopped early: %w", err)
		}
		// A piece stored as is (a photo, a video) is checked where it lies, not copied.
		out := stored
		if enc := backup.Encoding(head[32]); enc == backup.Raw {
			_, err = c.codec.Verify(nil, id, enc, stored, int(raw))
		} else {
			plain, err = c.codec.Expand(plain[:0], id, enc, stored, int(raw))
			out = plain
		}
		if err != nil {
			return err
		}
		if err := fn(id, out); err != nil {
			return err
		}
	}
	return nil
}
