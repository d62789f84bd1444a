package service

import "syscall"

// detached makes the agent a process of its own, with no console, so the tray's end does
// not end it.
func detached() *syscall.SysProcAttr {
	const detachedProcess, newProcessGroup = 0x00000008, 0x00000200
	return &syscall.SysProcAttr{CreationFlags: detachedProcess | newProcessGroup}
}
