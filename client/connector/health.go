package connector

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/hearth-home/hearth/server/api/schema"
)

// maxEvent bounds one streamed health event: a house has a handful of drives and PCs.
const maxEvent = 4 << 20

// WatchHealth follows the server's health as it changes, calling fn with each new state
// (the first at once), until ctx ends or the connection drops.
func (c Config) WatchHealth(ctx context.Context, fn func(schema.Health)) error {
	hc, err := c.HTTPClient()
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Server+"/api/v1/health/stream", nil)
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
	if err := sc.Err(); err != nil {
		return fmt.Errorf("the health stream broke: %w", err)
	}
	return fmt.Errorf("the server closed the health stream")
}
