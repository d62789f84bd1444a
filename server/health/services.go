package health

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// serviceTroubleFor is how long after a part of the server stopped and was restarted the
// alert about it stays: long enough to be seen, short enough to clear by itself.
const serviceTroubleFor = time.Hour

// serviceState is what the monitor knows of a part of the server that stopped.
type serviceState struct {
	stops int
	last  time.Time
	down  bool
}

// ServiceStopped records that a part of the server (name, in words: "the WebDAV and web
// server") stopped unexpectedly and is being restarted, and raises an alert.
func (m *Monitor) ServiceStopped(ctx context.Context, name string) {
	m.mu.Lock()
	s := m.services[name]
	if s == nil {
		s = &serviceState{}
		m.services[name] = s
	}
	s.stops++
	s.last, s.down = m.opt.Now(), true
	m.mu.Unlock()
	m.apply(ctx)
}

// ServiceRunning records that it runs again; the alert stays a while (serviceTroubleFor).
func (m *Monitor) ServiceRunning(name string) {
	m.mu.Lock()
	if s := m.services[name]; s != nil {
		s.down = false
	}
	m.mu.Unlock()
}

// serviceAlerts are the alerts about parts of the server that stopped; m.mu is held.
func (m *Monitor) serviceAlerts(now time.Time) []schema.Alert {
	var out []schema.Alert
	for name, s := range m.services {
		if !s.down && now.Sub(s.last) > serviceTroubleFor {
			continue
		}
		times := "once"
		if s.stops > 1 {
			times = fmt.Sprintf("%d times", s.stops)
		}
		out = append(out, raise("service-restarted", name, map[string]string{"service": name, "times": times,
			"when": s.last.Local().Format("15:04")}))
	}
	return out
}
