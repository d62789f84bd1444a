// Package safepath validates the paths of the pool's namespace ("Share/dir/file"), so that no
// caller, whoever it is, can name anything outside a share or anything a drive read on
// another PC could not hold.
package safepath

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits keep every on-drive path (with the drive's own prefixes and version suffixes added)
// under the kernel's PATH_MAX and every name under NAME_MAX.
const (
	MaxPath      = 3800
	MaxName      = 240
	MaxShareName = 64
)

// ErrInvalid is wrapped by every refusal, so callers can answer "bad request" without
// matching text.
var ErrInvalid = errors.New("invalid path")

// Error says which path was refused and why, in words a person can act on.
type Error struct {
	Path   string
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("path %q is not allowed: %s", e.Path, e.Reason)
}

func (e *Error) Unwrap() error { return ErrInvalid }

// Clean checks a namespace path and returns it unchanged when it is safe. The pool never
// repairs a bad path (a silent rewrite could land data somewhere the user did not mean), it
// refuses it. A trailing slash is the only thing tolerated and removed, because clients send
// it for folders.
func Clean(p string) (string, error) {
	if strings.HasSuffix(p, "/") && len(p) > 1 {
		p = p[:len(p)-1]
	}
	if err := check(p); err != nil {
		return "", err
	}
	return p, nil
}

func check(p string) error {
	switch {
	case p == "":
		return &Error{p, "it is empty"}
	case len(p) > MaxPath:
		return &Error{p, fmt.Sprintf("it is longer than %d bytes", MaxPath)}
	case !utf8.ValidString(p):
		return &Error{p, "it is not valid UTF-8 text"}
	case strings.HasPrefix(p, "/"):
		return &Error{p, "it is absolute; paths start with the share name"}
	}
	for _, name := range strings.Split(p, "/") {
		if err := checkName(p, name); err != nil {
			return err
		}
	}
	return nil
}

func checkName(p, name string) error {
	switch {
	case name == "":
		return &Error{p, "it has an empty folder name (two slashes in a row)"}
	case name == "." || name == "..":
		return &Error{p, `"." and ".." are not allowed as names`}
	case len(name) > MaxName:
		return &Error{p, fmt.Sprintf("the name %q is longer than %d bytes", name, MaxName)}
	}
	for _, r := range name {
		switch {
		case r == '\\':
			return &Error{p, "it contains a backslash, which Windows reads as a folder separator"}
		case r < 0x20 || r == 0x7f:
			return &Error{p, "it contains a control character"}
		}
	}
	return nil
}

// ShareName checks the name of a share: a single path element a person can type, that every
// operating system can show as a folder.
func ShareName(name string) error {
	if err := check(name); err != nil {
		return err
	}
	switch {
	case strings.Contains(name, "/"):
		return &Error{name, "a share name cannot contain a slash"}
	case len(name) > MaxShareName:
		return &Error{name, fmt.Sprintf("a share name has at most %d bytes", MaxShareName)}
	case strings.HasPrefix(name, "."):
		return &Error{name, "a share name cannot start with a dot"}
	case strings.TrimSpace(name) != name:
		return &Error{name, "a share name cannot start or end with a space"}
	}
	if strings.ContainsAny(name, `<>:"|?*`) {
		return &Error{name, `a share name cannot contain any of < > : " | ? *`}
	}
	return nil
}

// Split returns the share and the path inside it ("" for the share's root).
func Split(p string) (share, rel string) {
	share, rel, _ = strings.Cut(p, "/")
	return share, rel
}

// Parent returns the path of the folder holding p, or "" when p is a share.
func Parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Base returns the last element of p.
func Base(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// Within reports whether p is dir itself or lies inside it.
func Within(p, dir string) bool {
	return p == dir || (len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir)
}

// Ancestors calls fn for every proper ancestor of p, nearest first, stopping at the share.
func Ancestors(p string, fn func(string)) {
	for d := Parent(p); d != ""; d = Parent(d) {
		fn(d)
	}
}
