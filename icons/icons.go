// Package icons holds the tray's icons, a house in the colour of each state, embedded:
// PNG for Linux and macOS, ICO for Windows.
package icons

import "embed"

//go:generate go run ./gen

//go:embed *.png *.ico
var files embed.FS

// States are the icons there are, by the tray's state names.
func States() []string { return []string{"good", "warning", "critical", "offline", "busy"} }

// PNG returns the PNG icon of a state.
func PNG(state string) ([]byte, error) { return files.ReadFile(state + ".png") }

// ICO returns the Windows icon of a state.
func ICO(state string) ([]byte, error) { return files.ReadFile(state + ".ico") }
