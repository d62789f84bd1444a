package service

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"time"

	"github.com/hearth-home/hearth/client/connector"
	"github.com/hearth-home/hearth/client/localapi"
)

// StartAgent starts the agent for the connector configured at config, for the tray's and
// the console's "Start the agent", and returns once it answers. The agent registered at
// login is started where there is one and it serves this connector (the one at the usual
// place); otherwise the hearth program beside the calling one runs "hearth agent" in the
// background, its output kept in agent.log beside config.
func StartAgent(ctx context.Context, config string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program: %w", err)
	}
	home, _ := os.UserHomeDir()
	name := "hearth"
	if runtime.GOOS == "windows" {
		name = "hearth.exe"
	}
	w := Where{GOOS: runtime.GOOS, Exe: filepath.Join(filepath.Dir(exe), name), Home: home}
	_, serr := os.Stat(packagedUnit)
	w.Packaged = serr == nil
	usual, _ := connector.ConfigPath()
	started := false
	if cmd := startCommand(w, config == usual); cmd != nil {
		started = exec.CommandContext(ctx, cmd[0], cmd[1:]...).Run() == nil
	}
	if !started {
		if err := startDetached(agentExe(w), config); err != nil {
			return err
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := localapi.Dial(ctx, config)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.New("the Hearth agent did not start; its log (agent.log beside this PC's settings) may say why")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// packagedUnit is where the Linux package puts the agent's user unit.
const packagedUnit = "/usr/lib/systemd/user/hearth-agent.service"

// startCommand is the command that starts the agent registered at login, nil when none
// is registered or it would serve another connector than the caller's.
func startCommand(w Where, usualConfig bool) []string {
	if !usualConfig {
		return nil
	}
	switch w.GOOS {
	case "linux":
		if _, err := os.Stat(linuxUnitPath(w.Home)); err == nil || w.Packaged {
			return []string{"systemctl", "--user", "start", unitName}
		}
	case "windows":
		return []string{"schtasks", "/Run", "/TN", taskName}
	case "darwin":
		if _, err := os.Stat(macPlistPath(w.Home)); err == nil {
			return []string{"launchctl", "start", macLabel}
		}
	}
	return nil
}

// startDetached runs exe agent for config in the background, on its own: it goes on when
// the caller ends.
func startDetached(exe, config string) error {
	logPath := filepath.Join(filepath.Dir(config), "agent.log")
	log, err := os.OpenFile(logPath, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("open the agent's log: %w", err)
	}
	defer log.Close()
	cmd := exec.Command(exe, "agent")
	cmd.Env = append(os.Environ(), "HEARTH_CONNECTOR_CONFIG="+config)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start the Hearth agent (%s): %w", exe, err)
	}
	return cmd.Process.Release()
}
