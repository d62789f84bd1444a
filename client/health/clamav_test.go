package health

import (
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

func TestParseClamVersion(t *testing.T) {
	for _, tc := range []struct {
		file string
		want time.Time
		ok   bool
	}{
		{"clamav/version.txt", time.Date(2025, 2, 17, 10, 47, 21, 0, time.UTC), true},
		{"clamav/version-padded-day.txt", time.Date(2025, 2, 6, 10, 51, 9, 0, time.UTC), true},
		{"clamav/version-no-database.txt", time.Time{}, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, ok := parseClamVersion(testdata(t, tc.file), time.UTC)
			if ok != tc.ok || !got.Equal(tc.want) {
				t.Errorf("parseClamVersion = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestClamAVVerdict(t *testing.T) {
	now := time.Date(2025, 2, 20, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		built time.Time
		want  string
	}{
		{"fresh", now.Add(-3 * 24 * time.Hour), schema.Good},
		{"a week and a day old", now.Add(-8 * 24 * time.Hour), schema.Warning},
		{"no database", time.Time{}, schema.Warning},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := clamAVVerdict(tc.built, now)
			if c.State != tc.want || c.ID != "antivirus" || c.Sentence == "" {
				t.Errorf("clamAVVerdict = %+v, want state %q", c, tc.want)
			}
		})
	}
	if got := clamAVVerdict(now.Add(-10*24*time.Hour), now).Sentence; got != "ClamAV's virus definitions are 10 days old. "+
		"Update them with 'sudo freshclam', and check that the clamav-freshclam service is running so they stay up to date." {
		t.Errorf("10 days old: %q", got)
	}
}
