// Package service registers the connector's agent (nightly backup, health reports) to
// start when a user logs in, the way each system does it: a systemd user unit on Linux,
// a Task Scheduler task for every user on Windows, a LaunchAgent on macOS.
package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Plan is what registering or unregistering does: files written (or removed, when
// the content is ""), then commands run in order.
type Plan struct {
	Files    []File
	Commands [][]string
}

// File is one file a plan writes, or removes when Content is "".
type File struct {
	Path    string
	Content []byte
}

// Where says where the agent's program is and whose login starts it.
type Where struct {
	GOOS string
	Exe  string // hearth (hearth.exe); on Windows, hearthw.exe beside it runs the agent
	Home string // the user's home folder
	// Packaged is set when the system's package already ships the Linux user unit.
	Packaged bool
}

// ErrUnsupported: no way to register the agent on this system.
var ErrUnsupported = errors.New("the agent cannot be registered on this system; start 'hearth agent' at login yourself")

// Install is the plan that makes the agent start at every login, and now.
func Install(w Where) (Plan, error) {
	switch w.GOOS {
	case "linux":
		// unmask: undoes an uninstall of the packaged unit.
		p := Plan{Commands: [][]string{{"systemctl", "--user", "unmask", unitName}, {"systemctl", "--user", "daemon-reload"},
			{"systemctl", "--user", "enable", "--now", unitName}}}
		if !w.Packaged {
			p.Files = []File{{Path: linuxUnitPath(w.Home), Content: []byte(linuxUnit(w.Exe))}}
		}
		return p, nil
	case "windows":
		task := filepath.Join(os.TempDir(), "hearth-agent-task.xml")
		return Plan{Files: []File{{Path: task, Content: windowsTask(agentExe(w))}},
			Commands: [][]string{{"schtasks", "/Create", "/F", "/TN", taskName, "/XML", task}}}, nil
	case "darwin":
		if strings.Contains(w.Exe, "/AppTranslocation/") {
			return Plan{}, errors.New("Hearth runs from a temporary copy that macOS removes; move Hearth to Applications, open it from there, and try again")
		}
		plist := macPlistPath(w.Home)
		return Plan{Files: []File{{Path: plist, Content: []byte(macPlist(w.Exe, w.Home))}},
			Commands: [][]string{{"launchctl", "unload", plist}, {"launchctl", "load", "-w", plist}}}, nil
	}
	return Plan{}, ErrUnsupported
}

// Uninstall is the plan that stops the agent and no longer starts it.
func Uninstall(w Where) (Plan, error) {
	switch w.GOOS {
	case "linux":
		if w.Packaged {
			// The package enables it for every user; only a mask keeps it off for this one.
			return Plan{Commands: [][]string{{"systemctl", "--user", "disable", "--now", unitName}, {"systemctl", "--user", "mask", unitName}}}, nil
		}
		return Plan{Commands: [][]string{{"systemctl", "--user", "disable", "--now", unitName}}, Files: []File{{Path: linuxUnitPath(w.Home)}}}, nil
	case "windows":
		return Plan{Commands: [][]string{{"schtasks", "/End", "/TN", taskName}, {"schtasks", "/Delete", "/F", "/TN", taskName}}}, nil
	case "darwin":
		plist := macPlistPath(w.Home)
		return Plan{Commands: [][]string{{"launchctl", "unload", "-w", plist}}, Files: []File{{Path: plist}}}, nil
	}
	return Plan{}, ErrUnsupported
}

func agentExe(w Where) string {
	if w.GOOS == "windows" {
		// The same program without a console window, so no window opens at login. Cut by
		// hand: filepath knows only the separators of the system it runs on.
		return w.Exe[:strings.LastIndexAny(w.Exe, `\/`)+1] + "hearthw.exe"
	}
	return w.Exe
}

// Apply carries a plan out. Commands that undo (stop, unload, end) may fail when there
// was nothing to undo; the others may not.
func Apply(ctx context.Context, p Plan) error {
	for _, f := range p.Files {
		if f.Content == nil {
			if err := os.Remove(f.Path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(f.Path, f.Content, 0o644); err != nil {
			return err
		}
	}
	for _, c := range p.Commands {
		out, err := exec.CommandContext(ctx, c[0], c[1:]...).CombinedOutput()
		if err != nil && !undoing(c) {
			return fmt.Errorf("%s: %w: %s", strings.Join(c, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

func undoing(c []string) bool {
	for _, a := range c[1:] {
		switch a {
		case "/End", "/Delete", "unload", "disable":
			return true
		}
	}
	return false
}
