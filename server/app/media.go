package app

import (
	"context"
	"net"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/media"
	"github.com/hearth-home/hearth/server/paths"
	"github.com/hearth-home/hearth/server/thumbs"
)

// mediaListen is where the TVs stream from: the option, else the settings file; "" when
// the media server is off.
func (a *App) mediaListen() string {
	l := a.cfg.MediaListen
	if a.opt.MediaListen != "" {
		l = a.opt.MediaListen
	}
	if l == "off" {
		return ""
	}
	return l
}

// newMedia makes the media server for the TVs, or nil when it is off. It announces
// itself (SSDP) when the server announces itself at all.
func (a *App) newMedia() *media.Server {
	listen := a.mediaListen()
	if listen == "" {
		return nil
	}
	// One thumbnail at a time for the TVs: a small box must not stutter.
	return media.New(media.Options{Pool: a.Pool, Listen: listen, Name: a.mediaName, Announce: !a.opt.NoDiscovery,
		Subnets: a.opt.MediaSubnets, Thumbs: thumbs.New(paths.Thumbs(a.opt.StateDir), a.Pool, 1, a.log), Log: a.log})
}

// mediaName is the name TVs show: the server's, with Hearth in it.
func (a *App) mediaName() string {
	name := a.Settings.Get().ServerName
	if strings.Contains(strings.ToLower(name), "hearth") {
		return name
	}
	return "Hearth on " + name
}

// MediaAddr is where the TVs stream from, nil when the media server is off or not
// listening.
func (a *App) MediaAddr() net.Addr {
	if a.media == nil {
		return nil
	}
	return a.media.Addr()
}

// mediaService is the media server as a part of the server, or none when it is off.
func (a *App) mediaService() []service {
	if a.media == nil {
		return nil
	}
	return []service{{"The media server for the TVs (DLNA)", func(ctx context.Context) error { return a.media.Run(ctx) }}}
}

// mediaState is how the media server is, for health: on, off or stopped, and the shares
// it streams (those it would stream, when it is off).
func (a *App) mediaState() schema.Media {
	m := schema.Media{State: "off", Shares: []string{}}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if ss, err := a.Pool.Shares(ctx); err == nil {
		for _, s := range ss {
			if s.Media {
				m.Shares = append(m.Shares, s.Name)
			}
		}
	}
	if a.mediaListen() == "" {
		return m
	}
	m.State = "stopped"
	if addr := a.MediaAddr(); addr != nil {
		m.State, m.Address = "on", addr.String()
	}
	return m
}
