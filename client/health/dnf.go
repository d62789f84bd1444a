package health

import (
	"bufio"
	"strings"
)

// parseDNFCheckUpdate counts the updates `dnf check-update` lists, one per line as
//
//	kernel.x86_64                       6.6.8-200.fc39                     updates
//
// A long package name wraps: the name alone on its line, version and repository indented
// on the next. The "Obsoleting Packages" section that may follow repeats packages already
// counted, and is not read.
func parseDNFCheckUpdate(out string) int {
	n := 0
	wrapped := false
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		indented := strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t")
		switch {
		case len(fields) > 0 && strings.HasPrefix(fields[0], "Obsoleting"):
			return n
		case len(fields) == 1 && !indented && isPackageArch(fields[0]):
			wrapped = true
			continue
		case len(fields) == 2 && indented && wrapped:
			n++
		case len(fields) == 3 && !indented && isPackageArch(fields[0]):
			n++
		}
		wrapped = false
	}
	return n
}

// isPackageArch says whether s looks like "name.arch", the first column of dnf's lists.
func isPackageArch(s string) bool {
	i := strings.LastIndexByte(s, '.')
	return i > 0 && i < len(s)-1 && !strings.HasSuffix(s, ":")
}

// parseNeedsRestarting reads `needs-restarting -r` (dnf-utils, or dnf5's needs-restarting):
// whether a restart is needed, the packages that need it, and ok false when the text is not
// one of its two answers. The exit code alone does not do: dnf also exits 1 for a command it
// does not know.
func parseNeedsRestarting(out string) (needed bool, packages []string, ok bool) {
	switch {
	case strings.Contains(out, "Reboot is required"):
		needed, ok = true, true
	case strings.Contains(out, "Reboot should not be necessary"):
		return false, nil, true
	default:
		return false, nil, false
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if name, found := strings.CutPrefix(strings.TrimSpace(sc.Text()), "* "); found {
			packages = append(packages, strings.TrimSpace(name))
		}
	}
	return needed, packages, ok
}
