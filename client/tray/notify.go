package main

import (
	"fmt"
	"log/slog"
	"os/exec"
	"runtime"
)

// notify shows a desktop notification; where none can be shown, the log keeps it.
func notify(title, body string, log *slog.Logger) {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd":
		cmd = exec.Command("notify-send", "--app-name=Hearth", "--icon=dialog-warning", title, body)
	case "darwin":
		cmd = exec.Command("osascript", "-e", fmt.Sprintf("display notification %q with title %q", body, title))
	}
	if cmd == nil || cmd.Run() != nil {
		log.Warn(title, "detail", body)
	}
}
