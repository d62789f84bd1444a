package smart

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// mount is one line of a mountinfo file.
type mount struct {
	fstype, source string
}

// mountOf finds the mount of the file system with device number major:minor in the
// mountinfo file name (proc(5)): "36 35 0:45 / /srv/d1 rw - btrfs /dev/sdb1 rw".
func mountOf(name string, major, minor uint32) (mount, error) {
	f, err := os.Open(name)
	if err != nil {
		return mount{}, fmt.Errorf("read the mount table: %w", err)
	}
	defer f.Close()
	want := fmt.Sprintf("%d:%d", major, minor)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		sep := -1
		for i, fl := range fields {
			if fl == "-" && i >= 6 { // optional fields come before the "-"
				sep = i
				break
			}
		}
		if sep < 0 || len(fields) < sep+3 || fields[2] != want {
			continue
		}
		return mount{fstype: unescape(fields[sep+1]), source: unescape(fields[sep+2])}, nil
	}
	if err := sc.Err(); err != nil {
		return mount{}, fmt.Errorf("read the mount table: %w", err)
	}
	return mount{}, fmt.Errorf("no mount in %s has device number %s", name, want)
}

// unescape undoes mountinfo's octal escapes of space, tab, newline and backslash.
func unescape(s string) string {
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
