package service

import (
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/hearth-home/hearth/internal/testenv"
)

// TestLinuxUnitPassesSystemd: the user unit written for a connector outside the
// package passes systemd's own check, also for a program in a folder with a space.
func TestLinuxUnitPassesSystemd(t *testing.T) {
	testenv.NeedTool(t, "systemd-analyze")
	for _, dir := range []string{"bin", "My Programs"} {
		t.Run(dir, func(t *testing.T) {
			home := t.TempDir()
			exe := filepath.Join(home, dir, "hearth")
			os.MkdirAll(filepath.Dir(exe), 0o755)
			if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			p, err := Install(Where{GOOS: "linux", Exe: exe, Home: home})
			if err != nil || len(p.Files) != 1 {
				t.Fatalf("plan %+v %v", p, err)
			}
			if err := Apply(context.Background(), Plan{Files: p.Files}); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(p.Files[0].Content), "ExecStart="+systemdQuote(exe)+" agent\n") {
				t.Errorf("the unit does not run %s:\n%s", exe, p.Files[0].Content)
			}
			cmd := exec.Command("systemd-analyze", "--user", "verify", "--man=no", p.Files[0].Path)
			cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir(), "SYSTEMD_LOG_LEVEL=notice")
			if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("systemd-analyze verify: %v\n%s\n%s", err, out, p.Files[0].Content)
			}
			if !strings.Contains(strings.Join(p.Commands[len(p.Commands)-1], " "), "enable --now hearth-agent.service") {
				t.Errorf("the unit is not enabled: %v", p.Commands)
			}
		})
	}
}

// TestWindowsTask: the task is UTF-16 XML that runs hearthw.exe (no console window)
// beside hearth.exe for every user who logs on.
func TestWindowsTask(t *testing.T) {
	p, err := Install(Where{GOOS: "windows", Exe: `C:\Program Files\Hearth\hearth.exe`})
	if err != nil || len(p.Files) != 1 {
		t.Fatalf("plan %+v %v", p, err)
	}
	b := p.Files[0].Content
	if len(b) < 2 || b[0] != 0xff || b[1] != 0xfe || len(b)%2 != 0 {
		t.Fatal("the task is not UTF-16 LE with a byte order mark")
	}
	u := make([]uint16, 0, len(b)/2)
	for i := 2; i < len(b); i += 2 {
		u = append(u, uint16(b[i])|uint16(b[i+1])<<8)
	}
	var task struct {
		Logon     *struct{} `xml:"Triggers>LogonTrigger"`
		Group     string    `xml:"Principals>Principal>GroupId"`
		Command   string    `xml:"Actions>Exec>Command"`
		Arguments string    `xml:"Actions>Exec>Arguments"`
	}
	d := xml.NewDecoder(strings.NewReader(strings.Replace(string(utf16.Decode(u)), `encoding="UTF-16"`, "", 1)))
	if err := d.Decode(&task); err != nil {
		t.Fatal(err)
	}
	if task.Logon == nil || task.Group != "S-1-5-32-545" || task.Command != `C:\Program Files\Hearth\hearthw.exe` || task.Arguments != "agent" {
		t.Errorf("task %+v", task)
	}
}

// TestMacPlist: the LaunchAgent is well-formed XML that runs 'hearth agent' at login.
func TestMacPlist(t *testing.T) {
	p, err := Install(Where{GOOS: "darwin", Exe: "/Applications/Hearth.app/Contents/MacOS/hearth", Home: "/Users/mum"})
	if err != nil || len(p.Files) != 1 || p.Files[0].Path != "/Users/mum/Library/LaunchAgents/home.hearth.agent.plist" {
		t.Fatalf("plan %+v %v", p, err)
	}
	var plist struct {
		Strings []string `xml:"dict>array>string"`
	}
	d := xml.NewDecoder(strings.NewReader(string(p.Files[0].Content)))
	d.Strict = false // the DOCTYPE
	if err := d.Decode(&plist); err != nil {
		t.Fatal(err)
	}
	if strings.Join(plist.Strings, " ") != "/Applications/Hearth.app/Contents/MacOS/hearth agent" {
		t.Errorf("program arguments %q", plist.Strings)
	}
}

// TestApply: files are written and removed; a failing command fails the plan, unless it
// only undoes something that was never done.
func TestApply(t *testing.T) {
	ctx := context.Background()
	f := filepath.Join(t.TempDir(), "a", "unit")
	if err := Apply(ctx, Plan{Files: []File{{Path: f, Content: []byte("x")}}}); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(f); err != nil || string(b) != "x" {
		t.Errorf("written: %q %v", b, err)
	}
	if err := Apply(ctx, Plan{Files: []File{{Path: f}, {Path: f}}}); err != nil {
		t.Errorf("removing twice: %v", err)
	}
	if _, err := os.Stat(f); !os.IsNotExist(err) {
		t.Errorf("not removed: %v", err)
	}
	if err := Apply(ctx, Plan{Commands: [][]string{{"sh", "-c", "exit 1", "disable"}}}); err != nil {
		t.Errorf("an undo of nothing failed the plan: %v", err)
	}
	if err := Apply(ctx, Plan{Commands: [][]string{{"sh", "-c", "echo no such task >&2; exit 1"}}}); err == nil || !strings.Contains(err.Error(), "no such task") {
		t.Errorf("a failing command: %v", err)
	}
	if _, err := Install(Where{GOOS: "plan9"}); err != ErrUnsupported {
		t.Errorf("plan9: %v", err)
	}
}
