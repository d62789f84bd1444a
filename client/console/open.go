package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"
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

// launch opens a local file in its usual application.
func launch(path string) error {
	for _, cmd := range openers(runtime.GOOS) {
		if _, err := exec.LookPath(cmd[0]); err != nil {
			continue
		}
		c := exec.Command(cmd[0], append(cmd[1:], path)...)
		if err := c.Start(); err != nil {
			return fmt.Errorf("open %s: %w", filepath.Base(path), err)
		}
		go c.Wait() // it may run as long as the application does
		return nil
	}
	return errors.New("this PC has no program to open files with; use Download instead")
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
	if err != nil {
		os.RemoveAll(dir)
	}
	return out, err
}
