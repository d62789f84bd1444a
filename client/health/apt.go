package health

import (
	"bufio"
	"strings"
)

// parseAptUpgradable reads `apt list --upgradable`, whose lines look like
//
//	krb5-locales/oldstable,oldstable-security 1.20.1-2+deb12u5 all [upgradable from: 1.20.1-2+deb12u3]
//
// An update is a security update when one of the suites it comes from is a security
// suite (bookworm-security, jammy-security, stable-security, jammy-apps-security).
func parseAptUpgradable(out string) pendingUpdates {
	var p pendingUpdates
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "[upgradable from:") {
			continue
		}
		p.Count++
		name, _, _ := strings.Cut(line, " ")
		_, suites, _ := strings.Cut(name, "/")
		for suite := range strings.SplitSeq(suites, ",") {
			if strings.HasSuffix(suite, "-security") {
				p.Security++
				break
			}
		}
	}
	return p
}
