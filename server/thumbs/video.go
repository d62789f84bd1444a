package thumbs

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/pool"
)

// videoTool is the program that takes a frame of a video (Debian's ffmpegthumbnailer,
// which the server's package recommends).
const videoTool = "ffmpegthumbnailer"

// videoTimeout bounds the making of one video's thumbnail: a slow drive or a strange
// file must not hold the one slot for long.
const videoTimeout = 2 * time.Minute

// Video reports whether a file's name is that of a video, whose thumbnails are made when
// ffmpegthumbnailer is installed (Videos).
func Video(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".mp4", ".m4v", ".mkv", ".avi", ".mov", ".wmv", ".mpg", ".mpeg", ".ts", ".m2ts", ".webm", ".flv", ".3gp", ".ogv", ".vob":
		return true
	}
	return false
}

// Videos reports whether videos' thumbnails can be made: ffmpegthumbnailer is installed.
// It is looked for each time, so one installed later is used without a restart.
func Videos() bool {
	_, err := exec.LookPath(videoTool)
	return err == nil
}

// VideoFrame returns the thumbnail (a JPEG) of the video fi: a frame ffmpegthumbnailer
// takes from it, at low priority, reading it through the pool (from a web address of
// this process's own on the loopback, never from a drive's folder). A video no frame can
// be taken of returns ErrNone, and is not tried again until it changes.
func (c *Cache) VideoFrame(ctx context.Context, fi pool.FileInfo) ([]byte, error) {
	if fi.Dir || !Video(fi.Name) {
		return nil, fmt.Errorf("%s: not a video", fi.Path)
	}
	tool, err := exec.LookPath(videoTool)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (%s is not installed)", fi.Path, ErrNone, videoTool)
	}
	return c.get(ctx, fi, "\x00video", func(ctx context.Context) ([]byte, error) {
		ctx, cancel := context.WithTimeout(ctx, videoTimeout)
		defer cancel()
		link, stop, err := c.serveOne(ctx, fi.Path)
		if err != nil {
			return nil, err
		}
		defer stop()
		args := lowPriority([]string{tool, "-i", link, "-o", "-", "-c", "jpeg", "-s", fmt.Sprint(Size), "-q", "8"})
		cmd := exec.CommandContext(ctx, args[0], args[1:]...)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("take a frame of %s: %w", fi.Path, ctx.Err())
			}
			c.log.Debug("no frame could be taken of a video", "path", fi.Path, "err", err, "output", strings.TrimSpace(errOut.String()))
			return nil, fmt.Errorf("take a frame of %s: %w", fi.Path, ErrNone)
		}
		data, err := thumbnail(bytes.NewReader(out.Bytes()))
		if err != nil {
			return nil, fmt.Errorf("the frame of %s: %w: %w", fi.Path, ErrNone, err)
		}
		return data, nil
	})
}

// lowPriority runs a command at the lowest CPU priority and, where ionice is there, in
// the idle I/O class: a small box must not stutter while a thumbnail is made.
func lowPriority(args []string) []string {
	if _, err := exec.LookPath("ionice"); err == nil {
		args = append([]string{"ionice", "-c", "3", "-t"}, args...) // -t: go on where it may not
	}
	if _, err := exec.LookPath("nice"); err == nil {
		args = append([]string{"nice", "-n", "19"}, args...)
	}
	return args
}

// serveOne serves one file of the pool, read and checked through it, on a loopback
// address under a path nobody can guess, until stop is called: what the thumbnailer
// reads (it seeks, so a pipe would not do for most videos).
func (c *Cache) serveOne(ctx context.Context, p string) (link string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("serve %s to the thumbnailer: %w", p, err)
	}
	secret := make([]byte, 16)
	rand.Read(secret)
	at := "/" + hex.EncodeToString(secret) + path.Ext(p)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != at {
			http.NotFound(w, r)
			return
		}
		f, err := c.pool.Open(ctx, p)
		if err != nil {
			http.Error(w, "not readable", http.StatusInternalServerError)
			return
		}
		defer f.Close()
		http.ServeContent(w, r, "", f.Info().ModTime, f)
	})}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String() + at, func() { srv.Close() }, nil
}
