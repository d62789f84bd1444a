package main

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/server/api/schema"
)

// console is the window and what its pages show.
type console struct {
	cfg        connector.Config
	configPath string // where cfg is kept: settings are saved there
	win        fyne.Window
	tabs       *container.AppTabs
	now        func() time.Time
	work       *background
	// launch opens an address in the default browser.
	launch func(address string) error

	home  *home
	agent agentView
	// last is the PC's last backup: the newest in the server's list of them, or news
	// of a newer one from the agent or this window (learnLast, heardList). It is the one
	// fact Home's "Last backup" and Health's line for this PC are drawn from, so they
	// never disagree; it goes back only when the server's list does (a backup deleted).
	last *schema.Snapshot
	// lists counts the reads of the backups' list begun (refreshBackups); listed is the
	// read shown last; news is the last news taken by learnLast, and newsAt the reads
	// begun by then.
	lists, listed, newsAt int
	news                  string
	// health is the server's last word on the house, followed on its health stream;
	// online says whether the stream is connected now (followHealth).
	health     *schema.Health
	online     bool
	why        error // why the server cannot be followed, when it cannot
	stopHealth context.CancelFunc
	next       time.Time  // the next nightly backup by the settings, until the agent says
	files      *filesPage // nil when the server's drive could not be opened
	// lan: the Setup page looks for servers on the network (off in tests, which keep to
	// loopback).
	lan bool
	// live: the pages follow the server's health stream (followHealth); tests start it
	// themselves.
	live     bool
	backups  *backupsPage
	settings *settingsPage
	// homeDir is the top of the Settings page's folder tree: the user's home folder.
	homeDir string
}

func newConsole(a fyne.App, cfg connector.Config, configPath string, now func() time.Time) *console {
	c := &console{cfg: cfg, configPath: configPath, win: a.NewWindow("Hearth"), now: now, work: &background{}, launch: openAddress}
	c.homeDir, _ = os.UserHomeDir()
	c.home = newHome(c.startBackup, c.startTheAgent, c.manageServer)
	c.win.Resize(fyne.NewSize(640, 520))
	return c
}

// show draws the pages from f and opens page.
func (c *console) show(f facts, page string) {
	c.tabs = container.NewAppTabs(
		container.NewTabItem("Home", homePage(f, c.home)),
		container.NewTabItem("Health", healthPage(f.health, f.health != nil, f.err, f.pc, c.now(), f.last)),
	)
	if c.files != nil {
		c.files.refresh()
		c.tabs.Append(container.NewTabItem("Files", c.files.content()))
	}
	c.backups = newBackupsPage(c, c.cfg, f.snapshots)
	c.tabs.Append(container.NewTabItem("Backups", c.backups.content()))
	c.settings = newSettingsPage(c)
	c.settings.left = c.setup // nothing else works without a server
	c.tabs.Append(container.NewTabItem("Settings", c.settings.content()))
	if f.health != nil {
		c.health, c.online, c.why = f.health, true, nil
	} else if c.health == nil {
		c.why = f.err
	}
	if f.last != nil {
		c.learnLast(*f.last)
	}
	c.showReach()
	c.showHealth()
	c.next = f.next
	c.showAgent()
	c.open(page)
	c.tabs.OnSelected = func(t *container.TabItem) {
		if t.Text == "Backups" { // it may have changed since: a cleanup, another PC's restore
			c.refreshBackups()
		}
	}
	c.win.SetContent(c.tabs)
}

// setup shows the Setup page; once this PC joins, the pages follow.
func (c *console) setup() {
	p := newSetupPage(c.work, c.configPath, func(cfg connector.Config) {
		c.cfg = cfg
		c.fetch("home")
		if c.live {
			c.followHealth(context.Background())
		}
	})
	c.files = nil
	c.win.SetOnDropped(nil)
	c.win.SetContent(p.content())
	if c.lan {
		c.work.do(func() { p.discover(context.Background()) })
	}
}

// fetch reads what the pages show from the server, away from the window, then shows
// page.
func (c *console) fetch(page string) {
	c.win.SetContent(widget.NewLabel("Asking the server…"))
	cfg := c.cfg
	c.work.do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		b, err := newBrowser(ctx, cfg)
		if err != nil {
			slog.Warn("the server's files cannot be shown", "err", err)
		}
		f := gather(ctx, cfg, c.now())
		fyne.Do(func() { c.loaded(b, f, page) })
	})
}

// loaded shows the pages once their facts are read; b is nil when the server's drive
// could not be opened.
func (c *console) loaded(b *browser, f facts, page string) {
	if b != nil {
		c.withFiles(b)
	}
	c.show(f, page)
}

// open shows the page of that name (a tab's title, in any case).
func (c *console) open(page string) {
	for _, item := range c.tabs.Items {
		if strings.EqualFold(item.Text, page) {
			c.tabs.Select(item)
		}
	}
}

// withFiles adds the Files page, browsing the server's drive through b; files dropped on
// the window are uploaded to the folder it shows.
func (c *console) withFiles(b *browser) {
	c.files = newFilesPage(c.win, c.work, b)
	c.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) {
		var paths []string
		for _, u := range uris {
			paths = append(paths, u.Path())
		}
		c.files.uploadFiles(paths)
	})
}

// startBackup asks the agent to back this PC up and follows it; with no agent running,
// the window backs up itself, showing progress, then the result in words.
func (c *console) startBackup() {
	h := c.home
	h.backUp.Disable()
	h.result.SetText("Backing up…")
	cfg, path := c.cfg, c.configPath // Settings may change c.cfg meanwhile
	c.work.do(func() {
		if c.askAgent(context.Background(), path) {
			return
		}
		fyne.Do(func() {
			h.progress.SetValue(0)
			h.progress.Show()
		})
		snap, err := backupclient.BackupWith(context.Background(), cfg, cfg.Backup, func(p archiver.Progress) {
			if p.Counted && p.TotalBytes > 0 {
				fyne.Do(func() { h.progress.SetValue(float64(p.Bytes) / float64(p.TotalBytes)) })
			}
		}, nil)
		fyne.Do(func() {
			h.progress.Hide()
			h.backUp.Enable()
			if err != nil {
				// Go's text (a network call, a path) goes to the log, words to the person.
				slog.Warn("the backup failed", "err", err)
				h.result.SetText("The backup failed: " + sayOr(err, sayUnexpected))
				return
			}
			h.result.SetText(localapi.DoneWords(snap))
			if c.learnLast(snap) {
				c.refreshBackups()
			}
		})
	})
}
