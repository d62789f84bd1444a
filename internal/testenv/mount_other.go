//go:build !linux

package testenv

import "testing"

// Tmpfs mounts a small disk of its own on Linux; elsewhere the test is skipped.
func Tmpfs(t testing.TB, options string, readOnly bool) string {
	t.Helper()
	Skip(t, "a small disk of its own (tmpfs) is mounted on Linux only")
	return ""
}

// Ramfs mounts a ramfs on Linux; elsewhere the test is skipped.
func Ramfs(t testing.TB) string {
	t.Helper()
	Skip(t, "a ramfs is mounted on Linux only")
	return ""
}
