package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/hearth-home/hearth/client/launch"
)

// openers are the commands that open a local file in its usual application on goos;
// the first one found is used.
func openers(goos string) [][]string {
	switch goos {
	case "windows":
		return [][]string{{"rundll32", "url.dll,FileProtocolHandler"}}
	case "darwin":
		return [][]string{{"open"}}
	default:
		return [][]string{{"xdg-open"}, {"gio", "open"}}
	}
}

// openLocal opens a local file in its usual application.
func openLocal(path string) error {
	for _, cmd := range openers(runtime.GOOS) {
		if _, err := exec.LookPath(cmd[0]); err != nil {
			continue
		}
		if err := launch.Briefly(exec.Command(cmd[0], append(cmd[1:], path)...), 3*time.Second); err != nil {
			return fmt.Errorf("no program on this PC opened %s (%w); use Download instead", filepath.Base(path), err)
		}
		return nil
	}
	return errors.New("this PC has no program to open files with; use Download instead")
}

// runsProgram says whether a file of that name starts a program rather than opening a
// document. Such files are not started from the server: a family's shares are not a
// place programs should run from unasked.
func runsProgram(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".exe", ".com", ".bat", ".cmd", ".msi", ".msp", ".lnk", ".url", ".scr", ".pif", ".cpl", ".reg", ".hta",
		".ps1", ".vbs", ".vbe", ".js", ".jse", ".wsf", ".wsh", ".jar", ".app", ".command", ".sh", ".desktop", ".appimage", ".run":
		return true
	}
	return false
}

// openedKept is how long copies of opened files stay in the cache.
const openedKept = 24 * time.Hour

// fetchCopy downloads e into a folder of its own in this PC's cache, for opening, and
// removes copies opened long ago.
func (b *browser) fetchCopy(ctx context.Context, e entry, progress func(done, total int64)) (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no place for a copy: %w", err)
	}
	root := filepath.Join(cache, "hearth", "opened")
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", err
	}
	old, _ := os.ReadDir(root)
	for _, d := range old {
		if info, err := d.Info(); err == nil && time.Since(info.ModTime()) > openedKept {
			os.RemoveAll(filepath.Join(root, d.Name()))
		}
	}
	dir, err := os.MkdirTemp(root, "")
	if err != nil {
		return "", err
	}
	out, err := b.download(ctx, e, dir, progress)
	if err == nil {
		// Read-only: a change saved into the cache would be lost when the copy is removed,
		// so the application asks to save it elsewhere.
		err = os.Chmod(out, 0o444)
	}
	if err != nil {
		os.RemoveAll(dir)
	}
	return out, err
}
