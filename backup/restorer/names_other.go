//go:build !windows

package restorer

// unsafeHere are characters a name from another system may hold that would be read as
// a path here (trees never hold / or NUL).
const unsafeHere = ""
