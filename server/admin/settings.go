package admin

import (
	"context"
	"errors"

	"github.com/hearth-home/hearth/server/settings"
)

var errNoSettings = errors.New("the server's settings are not open here")

// Settings are the server's settings now.
func (l Local) Settings(ctx context.Context) (settings.Settings, error) {
	if l.SettingsStore == nil {
		return settings.Settings{}, errNoSettings
	}
	return l.SettingsStore.Get(), nil
}

// SetSettings checks and saves the settings; the server uses them from the next use on
// (the default retention at the next cleanup, the time zone at the next count of days).
func (l Local) SetSettings(ctx context.Context, s settings.Settings) (settings.Settings, error) {
	if l.SettingsStore == nil {
		return settings.Settings{}, errNoSettings
	}
	return l.SettingsStore.Set(ctx, s)
}
