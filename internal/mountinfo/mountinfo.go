// Package mountinfo reads Linux's mount table, /proc/self/mountinfo (proc(5)): which file
// system is mounted where, from which device. The pool, the SMART reader and the PC's disk
// probe all need it.
package mountinfo

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Read returns this process's mount table.
func Read() ([]Mount, error) {
	return ReadFile("/proc/self/mountinfo")
}

// ReadFile returns the mount table in a mountinfo file.
func ReadFile(name string) ([]Mount, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read the mount table: %w", err)
	}
	defer f.Close()
	ms, err := Parse(f)
	if err != nil {
		return nil, fmt.Errorf("read the mount table %s: %w", name, err)
	}
	return ms, nil
}

// Mount is one line of a mountinfo file.
type Mount struct {
	Dev      string // "major:minor"
	Root     string // the directory of the file system mounted here ("/" unless a bind mount)
	Point    string // where it is mounted
	ReadOnly bool   // mounted read-only
	FSType   string
	Source   string // "/dev/sda1", "tmpfs", "server:/export"
}

// Parse reads mountinfo lines, skipping any it cannot make sense of.
func Parse(r io.Reader) ([]Mount, error) {
	var mounts []Mount
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if m, ok := ParseLine(sc.Text()); ok {
			mounts = append(mounts, m)
		}
	}
	return mounts, sc.Err()
}

// ParseLine reads "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue":
// six fields, optional fields, a lone "-", then type, source and super options.
func ParseLine(line string) (Mount, bool) {
	before, after, ok := strings.Cut(line, " - ")
	if !ok {
		return Mount{}, false
	}
	f, g := strings.Fields(before), strings.Fields(after)
	if len(f) < 6 || len(g) < 2 {
		return Mount{}, false
	}
	return Mount{
		Dev:      f[2],
		Root:     Unescape(f[3]),
		Point:    Unescape(f[4]),
		ReadOnly: slices.Contains(strings.Split(f[5], ","), "ro"),
		FSType:   g[0],
		Source:   Unescape(g[1]),
	}, true
}

// Unescape undoes the octal escapes the kernel writes for space, tab, newline and
// backslash ("/mnt/My\040Disk").
func Unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
