package service

import (
	_ "embed"
	"fmt"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

const (
	unitName = "hearth-agent.service"
	taskName = `\Hearth\Agent`
	macLabel = "home.hearth.agent"
)

func linuxUnitPath(home string) string {
	return filepath.Join(home, ".config", "systemd", "user", unitName)
}

// unitText is the agent's user unit as the Linux package installs it.
//
//go:embed hearth-agent.service
var unitText string

// linuxUnit is the user unit for a connector not installed from the package: the
// package's own, running the program at exe.
func linuxUnit(exe string) string {
	return strings.Replace(unitText, "ExecStart=/usr/bin/hearth agent", "ExecStart="+systemdQuote(exe)+" agent", 1)
}

// systemdQuote quotes a path for ExecStart, where spaces and specifiers are special.
func systemdQuote(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if !strings.ContainsAny(s, " \t\"'\\") {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// windowsTask is a Task Scheduler task that runs the agent when any user logs on, as
// that user, in UTF-16 as schtasks reads it.
func windowsTask(exe string) []byte {
	x := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>Hearth connector: backs this PC up to the home server every night and reports its health.</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Users">
      <GroupId>S-1-5-32-545</GroupId>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT5M</Interval>
      <Count>255</Count>
    </RestartOnFailure>
    <Priority>7</Priority>
  </Settings>
  <Actions Context="Users">
    <Exec>
      <Command>%s</Command>
      <Arguments>agent</Arguments>
    </Exec>
  </Actions>
</Task>
`, xmlEscape(exe))
	u := utf16.Encode([]rune(x))
	out := []byte{0xff, 0xfe} // little-endian byte order mark
	for _, c := range u {
		out = append(out, byte(c), byte(c>>8))
	}
	return out
}

func macPlistPath(home string) string {
	return filepath.Join(home, "Library", "LaunchAgents", macLabel+".plist")
}

// macPlist is the LaunchAgent that runs the agent at login and again if it stops.
func macPlist(exe, home string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>%s</string>
  <key>ProgramArguments</key>
  <array>
    <string>%s</string>
    <string>agent</string>
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ProcessType</key>
  <string>Background</string>
  <key>StandardErrorPath</key>
  <string>%s</string>
</dict>
</plist>
`, macLabel, xmlEscape(exe), xmlEscape(filepath.Join(home, "Library", "Logs", "hearth-agent.log")))
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}
