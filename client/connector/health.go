package connector

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearth-home/hearth/server/api/schema"
)

// maxEvent bounds one streamed health event: a house has a handful of drives and PCs.
const maxEvent = 4 << 20

// quiet is how long the stream may say nothing before the connection counts as dead:
// the server speaks at least every 25 s.
const quiet = time.Minute

// ErrQuiet: the health stream stopped speaking; the connection is likely dead.
var ErrQuiet = errors.New("the server stopped answering on the health stream")

// WatchHealth follows the server's health as it changes, calling fn with each new state
// (the first at once), until ctx ends (nil) or the connection drops or goes quiet.
func (c Config) WatchHealth(ctx context.Context, fn func(schema.Health)) error {
	hc, err := c.HTTPClient()
	if err != nil {
		return err
	}
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	alive := time.AfterFunc(quiet, func() { cancel(ErrQuiet) })
	defer alive.Stop()
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, c.Server+"/api/v1/health/stream", nil)
	if err != nil {
		return err
	}
	c.bearer(req)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("reach %s: %w", c.Server, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized {
		return ErrBadCredentials
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server said: %s", resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), maxEvent)
	var data strings.Builder
	for sc.Scan() {
		alive.Reset(quiet)
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "data:"):
			data.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		case line == "" && data.Len() > 0:
			var h schema.Health
			if err := json.Unmarshal([]byte(data.String()), &h); err != nil {
				return fmt.Errorf("the server sent health this version cannot read: %w", err)
			}
			data.Reset()
			fn(h)
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if errors.Is(context.Cause(sctx), ErrQuiet) {
		return ErrQuiet
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("the health stream broke: %w", err)
	}
	return fmt.Errorf("the server closed the health stream")
}

// trim keeps a report within what the server accepts: a wordy tool's output should not
// cost the whole report.
func trim(r schema.PCReport) schema.PCReport {
	r.Checks = slices.Clone(r.Checks[:min(len(r.Checks), schema.MaxChecks)])
	for i, c := range r.Checks {
		r.Checks[i].ID, r.Checks[i].Title, r.Checks[i].Sentence = cut(c.ID), cut(c.Title), cut(c.Sentence)
	}
	return r
}

// cut shortens s to MaxCheckText bytes on a character boundary.
func cut(s string) string {
	if len(s) <= schema.MaxCheckText {
		return s
	}
	s = s[:schema.MaxCheckText-len("…")]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s + "…"
}
