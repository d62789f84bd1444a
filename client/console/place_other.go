//go:build !windows

package main

// originalPlace is the folder a backup's paths start from on this PC: they are kept
// from the root of its file system.
func originalPlace() string { return "/" }
