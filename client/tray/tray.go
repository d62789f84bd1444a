package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"time"

	"github.com/getlantern/systray"

	"github.com/hearth-home/hearth/backup/archiver"
	"github.com/hearth-home/hearth/client/backupclient"
	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/launch"
	"github.com/hearth-home/hearth/client/localapi"
	"github.com/hearth-home/hearth/client/service"
	"github.com/hearth-home/hearth/client/status"
	"github.com/hearth-home/hearth/client/words"
	"github.com/hearth-home/hearth/icons"
	"github.com/hearth-home/hearth/server/api/schema"
)

// tray is the running icon and its menu.
type tray struct {
	configPath string
	log        *slog.Logger
	ctx        context.Context
	cancel     context.CancelFunc

	drawMu   sync.Mutex // one redraw at a time, so the last state is the one shown
	mu       sync.Mutex
	cfg      connector.Config
	joined   bool
	gen      int // counts the servers followed, so a late word from an old one is dropped
	health   *schema.Health
	online   bool
	trouble  string      // why the server cannot be followed, when a person must act
	backup   backupState // the tray's own, when no agent runs
	agent    agentView
	agentPID int    // the agent followed
	seenRun  uint64 // its last backup the tray has seen end
	notifier status.Notifier
	// admin: the server said this PC's user is an administrator; roleAsked: the
	// server was asked since the tray last heard it (asked again after it was away).
	admin, roleAsked bool
	drawn            menu // what the menu shows now
	anyDrawn         bool

	status, last, backupItem, next, startAgent, folders, console, healthItem, manage, quit *systray.MenuItem
	problems                                                                               [maxProblems]*systray.MenuItem
}

func newTray(configPath string, log *slog.Logger) *tray {
	ctx, cancel := context.WithCancel(context.Background())
	return &tray{configPath: configPath, log: log, ctx: ctx, cancel: cancel}
}

// ready builds the menu and starts following the server; systray calls it once.
func (t *tray) ready() {
	systray.SetTitle("Hearth")
	t.status = systray.AddMenuItem("", "")
	t.status.Disable()
	for i := range t.problems {
		t.problems[i] = systray.AddMenuItem("", "")
		t.problems[i].Disable()
		t.problems[i].Hide()
	}
	systray.AddSeparator()
	t.last = systray.AddMenuItem("", "")
	t.last.Disable()
	t.last.Hide()
	t.backupItem = systray.AddMenuItem("Back up now", "Back this PC up to the server now")
	t.next = systray.AddMenuItem("", "")
	t.next.Disable()
	t.next.Hide()
	t.startAgent = systray.AddMenuItem("Start the Hearth agent", "Start the program that backs this PC up every night")
	t.startAgent.Hide()
	t.folders = systray.AddMenuItem("Open shared folders", "Open the server's files in the file manager")
	t.console = systray.AddMenuItem("Open console…", "The Hearth window: files, backups, settings")
	t.healthItem = systray.AddMenuItem("Health…", "Every PC and drive, and what needs attention")
	t.manage = systray.AddMenuItem("Manage the server…", "The server's web console, in the browser: users, folders, drives")
	t.manage.Hide()
	systray.AddSeparator()
	t.quit = systray.AddMenuItem("Quit", "Close the Hearth icon (backups still run)")

	go t.follow() // draws the menu once it has read the settings
	go localapi.Follow(t.ctx, t.configPath, 0, t.heardAgent)
	go t.clicks()
}

func (t *tray) exit() { t.cancel() }

// heard takes a new state of the server's health from the follower of generation gen.
func (t *tray) heard(gen int, h *schema.Health, online bool, why error) {
	t.mu.Lock()
	if gen != t.gen { // from a server this PC has left
		t.mu.Unlock()
		return
	}
	t.health, t.online, t.trouble = h, online, status.Trouble(why)
	var news []schema.Alert
	if online && h != nil {
		news = t.notifier.New(*h)
	}
	ask := online && !t.roleAsked
	t.roleAsked = online
	cfg := t.cfg
	t.mu.Unlock()
	if ask { // back after being away: the user may have become, or stopped being, an administrator
		go t.learnRole(t.ctx, gen, cfg)
	}
	for _, a := range news {
		notify(a.Title, a.Sentence, t.log)
	}
	t.redraw()
}

// heardAgent takes the agent's new state, or that none answers (up false). A backup
// that failed while the tray watched is notified, whoever started it.
func (t *tray) heardAgent(st localapi.State, up bool) {
	t.mu.Lock()
	t.agent = agentView{known: true, up: up, st: st}
	var failed *localapi.Result
	switch l := st.Last; {
	case !up:
	case st.PID != t.agentPID: // another agent, counting its backups from one again
		t.agentPID, t.seenRun = st.PID, 0
		if l != nil {
			t.seenRun = l.Run // ended before the tray watched
		}
	case l != nil && l.Run > t.seenRun:
		t.seenRun = l.Run
		if !l.OK {
			failed = l
		}
	}
	t.mu.Unlock()
	t.redraw()
	if failed != nil {
		title, body := failureNote(failed.Words)
		notify(title, body, t.log)
	}
}

// redraw makes the icon and menu show the current state; the icon is set again only
// when it changed, as trays repaint on every set.
func (t *tray) redraw() {
	t.drawMu.Lock()
	defer t.drawMu.Unlock()
	t.mu.Lock()
	b := withServer(backupOf(t.agent, t.backup), t.health, t.cfg.User, t.cfg.DeviceName)
	v := status.Of(t.health, t.online, b.running)
	if !t.online && t.trouble != "" {
		v.Line = t.trouble
	}
	joined := t.joined
	m := menuOf(facts{view: v, backup: b, joined: joined, admin: t.admin, agent: t.agent}, time.Now())
	old, any := t.drawn, t.anyDrawn
	t.drawn, t.anyDrawn = m, true
	t.mu.Unlock()
	if any && reflect.DeepEqual(m, old) { // a tray repaints on every change
		return
	}
	if m.icon != old.icon || !any {
		b, err := iconFor(m.icon)
		if err != nil {
			t.log.Error("no icon for a state", "state", m.icon, "err", err)
		} else {
			systray.SetIcon(b)
		}
	}
	systray.SetTooltip(m.tooltip)
	t.status.SetTitle(m.status)
	for i, item := range t.problems {
		if i < len(m.problems) {
			item.SetTitle("• " + m.problems[i])
			item.Show()
		} else {
			item.Hide()
		}
	}
	if m.last != "" {
		t.last.SetTitle(m.last)
		t.last.Show()
	} else {
		t.last.Hide()
	}
	t.backupItem.SetTitle(m.backup)
	if m.next != "" {
		t.next.SetTitle(m.next)
		t.next.Show()
	} else {
		t.next.Hide()
	}
	if m.offer {
		t.startAgent.Show()
	} else {
		t.startAgent.Hide()
	}
	if m.canStart {
		t.backupItem.Enable()
	} else {
		t.backupItem.Disable()
	}
	if joined {
		t.folders.Enable()
	} else {
		t.folders.Disable()
	}
	if m.manage {
		t.manage.Show()
	} else {
		t.manage.Hide()
	}
}

func iconFor(i status.Icon) ([]byte, error) {
	if runtime.GOOS == "windows" {
		return icons.ICO(string(i))
	}
	return icons.PNG(string(i))
}

// clicks answers the menu until the tray quits.
func (t *tray) clicks() {
	for {
		select {
		case <-t.ctx.Done():
			return
		case <-t.backupItem.ClickedCh:
			go t.backUp()
		case <-t.startAgent.ClickedCh:
			go t.startTheAgent()
		case <-t.folders.ClickedCh:
			go t.openFolders() // it may wait a moment for the file manager
		case <-t.console.ClickedCh:
			t.openConsole("home")
		case <-t.healthItem.ClickedCh:
			t.openConsole("health")
		case <-t.manage.ClickedCh:
			go t.manageServer() // it may wait a moment for the browser
		case <-t.quit.ClickedCh:
			systray.Quit()
			return
		}
	}
}

// backUp asks the agent to back the PC up, or, when no agent runs, backs it up with its
// saved settings itself; the menu shows the progress either way.
func (t *tray) backUp() {
	if agent, err := localapi.Dial(t.ctx, t.configPath); err == nil {
		defer agent.Close()
		// The agent's state, followed, shows the backup (or the one already running).
		if _, _, err := agent.Backup(t.ctx, localapi.Request{By: localapi.ByTray}); err != nil {
			notify("The backup could not start", say(err), t.log)
		}
		return
	}
	// The settings are read now: the console may have changed them since the tray began.
	cfg, err := connector.Load(t.configPath)
	t.mu.Lock()
	if err == nil {
		t.cfg = cfg
	}
	if t.backup.running || !t.joined || err != nil {
		t.mu.Unlock()
		if err != nil {
			t.log.Warn("the backup could not start", "err", err)
			notify("The backup could not start", words.Sentence(err, "Hearth's settings on this PC could not be read; join the server again."), t.log)
		}
		return
	}
	t.backup.running, t.backup.progress = true, archiver.Progress{}
	t.mu.Unlock()
	t.redraw()
	var last time.Time
	var snap schema.Snapshot
	snap, err = backupclient.BackupWith(t.ctx, cfg, cfg.Backup, func(p archiver.Progress) {
		t.mu.Lock()
		t.backup.progress = p
		t.mu.Unlock()
		if time.Since(last) > 500*time.Millisecond { // a menu redrawn too often flickers
			last = time.Now()
			t.redraw()
		}
	}, nil)
	t.mu.Lock()
	t.backup.running = false
	why := ""
	if err != nil {
		why = failedPrefix + failureWords(err)
		t.backup.failed, t.backup.why = time.Now(), why
	} else {
		t.backup.done = snap.Time
	}
	t.mu.Unlock()
	t.redraw()
	if err != nil && t.ctx.Err() == nil {
		t.log.Warn("the backup failed", "err", err)
		title, body := failureNote(why)
		notify(title, body, t.log)
	}
}

// startTheAgent starts the agent, which then backs the PC up every night.
func (t *tray) startTheAgent() {
	t.mu.Lock()
	t.startAgent.Disable()
	t.mu.Unlock()
	defer t.startAgent.Enable()
	if err := service.StartAgent(t.ctx, t.configPath); err != nil {
		t.log.Warn("the agent did not start", "err", err)
		notify("The Hearth agent did not start", "This PC will not be backed up at night until it runs. Try again, or restart the PC.", t.log)
	}
}

// say is why the agent refused, in its words, or a sentence.
func say(err error) string {
	var r *localapi.RefusedError
	if errors.As(err, &r) {
		return r.Msg
	}
	return "The Hearth agent did not answer. Try again in a moment."
}

// openFolders opens the server's drive in the system's file manager or, where that
// cannot (a Linux desktop without GVfs or KIO, say), in the console's Files page.
func (t *tray) openFolders() {
	t.mu.Lock()
	dav := t.cfg.DAV()
	t.mu.Unlock()
	name, args, err := folderCommand(runtime.GOOS, dav)
	if err == nil {
		cmd := exec.Command(name, args...)
		if runtime.GOOS == "windows" {
			// Explorer ends with status 1 even when it opened the folder.
			if err = cmd.Start(); err == nil {
				go cmd.Wait()
			}
		} else {
			err = launch.Briefly(cmd, 5*time.Second)
		}
	}
	if err != nil {
		t.log.Info("the file manager cannot open the server's drive; the console's Files page will", "err", err)
		t.openConsole("files")
	}
}

// openConsole starts the console window at page; it sits beside this program.
func (t *tray) openConsole(page string) {
	exe, err := os.Executable()
	if err == nil {
		console := filepath.Join(filepath.Dir(exe), "hearth-console")
		if runtime.GOOS == "windows" {
			console += ".exe"
		}
		cmd := exec.Command(console, "-page", page)
		cmd.Env = append(os.Environ(), "HEARTH_CONNECTOR_CONFIG="+t.configPath)
		if err = cmd.Start(); err == nil {
			go cmd.Wait() // reaped when the window closes
		}
	}
	if err != nil {
		t.log.Warn("the Hearth window could not be opened", "err", err)
		notify("The Hearth window could not be opened", "It is not installed next to the tray; install Hearth again.", t.log)
	}
}
