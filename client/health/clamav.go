package health

import (
	"fmt"
	"strings"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// parseClamVersion reads the line `clamscan --version` and `freshclam --version` print,
// "ClamAV 1.0.7/27552/Mon Feb 17 10:47:21 2025": engine, database version, and when the
// database was built (in ctime form, local time). ok is false when there is no date, as
// when no database is installed ("ClamAV 1.0.7").
func parseClamVersion(out string, loc *time.Location) (built time.Time, ok bool) {
	line, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(line, "ClamAV ") {
		return time.Time{}, false
	}
	parts := strings.SplitN(line, "/", 3)
	if len(parts) < 3 {
		return time.Time{}, false
	}
	// ctime pads the day with a space ("Thu Feb  6"); Fields evens that out.
	date := strings.Join(strings.Fields(parts[2]), " ")
	t, err := time.ParseInLocation("Mon Jan 2 15:04:05 2006", date, loc)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// clamMaxAge is how old ClamAV's definitions may be. freshclam fetches them every few
// hours and new ones come out daily, so a week means updating has stopped.
const clamMaxAge = 7 * 24 * time.Hour

// clamAVVerdict judges ClamAV's definitions, built at built (zero: none found).
func clamAVVerdict(built, now time.Time) schema.Check {
	switch {
	case built.IsZero():
		return antivirusCheck(schema.Warning, "ClamAV is installed but has no virus definitions. "+
			"Download them with 'sudo freshclam'.")
	case now.Sub(built) > clamMaxAge:
		days := int(now.Sub(built) / (24 * time.Hour))
		return antivirusCheck(schema.Warning, fmt.Sprintf("ClamAV's virus definitions are %d days old. "+
			"Update them with 'sudo freshclam', and check that the clamav-freshclam service is running so they stay up to date.", days))
	default:
		return antivirusCheck(schema.Good, fmt.Sprintf("ClamAV's virus definitions are up to date (from %s).",
			built.Format("January 2, 2006")))
	}
}
