//go:build unix

package service

import "syscall"

// detached makes the agent a session of its own, so the tray's end does not end it.
func detached() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setsid: true} }
