package admin

import (
	"context"
	"errors"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/catalog"
	"github.com/hearth-home/hearth/server/health"
)

// HealthEvent is an alert raised or cleared.
type HealthEvent = catalog.Event

var errNoHealth = errors.New("the health monitor is not running")

// Health is the house at a glance, as an administrator sees it; checkNow looks at the
// server again first instead of answering from the last check.
func (l Local) Health(ctx context.Context, checkNow bool) (schema.Health, error) {
	if l.Monitor == nil {
		return schema.Health{}, errNoHealth
	}
	h := l.Monitor.Health(health.Viewer{Admin: true})
	if checkNow || h.Time.IsZero() { // no daemon has checked: a command opened the pool itself
		if err := l.Monitor.Check(ctx); err != nil {
			return schema.Health{}, err
		}
	}
	return l.Monitor.Health(health.Viewer{Admin: true}), nil
}

// HealthEvents lists the newest alerts raised and cleared, newest first.
func (l Local) HealthEvents(ctx context.Context, limit int) ([]HealthEvent, error) {
	if l.Monitor == nil {
		return nil, errNoHealth
	}
	return l.Monitor.Events(ctx, limit)
}

// HealthForget drops a PC's health reports (a PC that is gone); its backups stay.
func (l Local) HealthForget(ctx context.Context, pc string) error {
	if l.Monitor == nil {
		return errNoHealth
	}
	return l.Monitor.Forget(ctx, pc)
}
