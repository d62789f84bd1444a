package localapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// ErrNoAgent: no agent answers on this PC, so nothing backs it up at night.
var ErrNoAgent = errors.New("the Hearth agent is not running on this PC, so it will not be backed up at night")

// Client asks the agent.
type Client struct {
	hc *http.Client
}

// Dial reaches the agent of the connector configured at configPath; ErrNoAgent when
// none answers.
func Dial(ctx context.Context, configPath string) (*Client, error) {
	path := SocketPath(configPath)
	c := &Client{hc: &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		},
		DisableCompression: true,
	}}}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := c.State(ctx); err != nil {
		c.Close()
		return nil, ErrNoAgent
	}
	return c, nil
}

// Close lets the client's connections go.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

// State is what the agent does now.
func (c *Client) State(ctx context.Context) (State, error) {
	var st State
	resp, err := c.do(ctx, http.MethodGet, "/state", nil)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// Backup asks the agent to back up now. When a backup runs already, it starts none and
// returns the state with that one; started says which.
func (c *Client) Backup(ctx context.Context, req Request) (st State, started bool, err error) {
	body, _ := json.Marshal(req)
	resp, err := c.do(ctx, http.MethodPost, "/backup", body)
	if err != nil {
		return st, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e errorBody
		json.NewDecoder(resp.Body).Decode(&e)
		if e.Error == "" {
			e.Error = "The agent did not start the backup."
		}
		return st, false, &RefusedError{Msg: e.Error}
	}
	var sb startBody
	err = json.NewDecoder(resp.Body).Decode(&sb)
	return sb.State, sb.Started, err
}

// RefusedError is the agent's refusal, in its words.
type RefusedError struct{ Msg string }

func (e *RefusedError) Error() string { return e.Msg }

// Watch calls fn with the agent's state, then with each change, until ctx ends or the
// agent goes away.
func (c *Client) Watch(ctx context.Context, fn func(State)) error {
	resp, err := c.do(ctx, http.MethodGet, "/events", nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var st State
		if err := json.Unmarshal([]byte(data), &st); err != nil {
			return fmt.Errorf("read the agent's state: %w", err)
		}
		fn(st)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err := sc.Err(); err != nil {
		return err
	}
	return errors.New("the agent stopped")
}

func (c *Client) do(ctx context.Context, method, path string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://agent"+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return c.hc.Do(req)
}

// Follow keeps following the agent of the connector at configPath until ctx ends: fn
// gets each state with up true, and up false whenever no agent answers. It looks for an
// agent again every retry (0: two seconds), so one started later is found.
func Follow(ctx context.Context, configPath string, retry time.Duration, fn func(st State, up bool)) {
	if retry <= 0 {
		retry = 2 * time.Second
	}
	wasUp, first := false, true
	for ctx.Err() == nil {
		if c, err := Dial(ctx, configPath); err == nil {
			wasUp, first = true, false
			c.Watch(ctx, func(st State) { fn(st, true) })
			c.Close()
		}
		if ctx.Err() != nil {
			return
		}
		if wasUp || first {
			fn(State{}, false)
			wasUp, first = false, false
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}
