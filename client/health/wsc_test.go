package health

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-home/hearth/server/api/schema"
)

// tsvRows reads a testdata table, skipping comments.
func tsvRows(t *testing.T, name string) [][]string {
	t.Helper()
	var rows [][]string
	sc := bufio.NewScanner(strings.NewReader(testdata(t, name)))
	for sc.Scan() {
		if line := sc.Text(); line != "" && !strings.HasPrefix(line, "#") {
			rows = append(rows, strings.Split(line, "\t"))
		}
	}
	if len(rows) == 0 {
		t.Fatalf("%s has no rows", name)
	}
	return rows
}

func TestProductStateRecorded(t *testing.T) {
	for _, row := range tsvRows(t, "windows/productstate.tsv") {
		t.Run(row[0]+" "+row[3], func(t *testing.T) {
			n, err := strconv.ParseUint(row[0], 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			s := productState(n)
			state := "off"
			switch {
			case s.on():
				state = "on"
			case s.snoozed():
				state = "snoozed"
			case s.expired():
				state = "expired"
			}
			upToDate := map[bool]string{true: "yes", false: "no"}[s.upToDate()]
			if state != row[1] || upToDate != row[2] {
				t.Errorf("productState %#x: %s, up to date %s; want %s, %s", n, state, upToDate, row[1], row[2])
			}
		})
	}
}

func TestWSCHealthRecorded(t *testing.T) {
	for _, row := range tsvRows(t, "windows/wsc-health.tsv") {
		n, _ := strconv.Atoi(row[0])
		if got := wscHealth(n).String(); got != row[1] {
			t.Errorf("wscHealth(%d) = %q, want %q", n, got, row[1])
		}
	}
}

func TestWindowsAntivirusVerdict(t *testing.T) {
	defender := func(state uint32) avProduct { return avProduct{DisplayName: "Windows Defender", ProductState: state} }
	good, poor := wscAnswer{wscGood, true}, wscAnswer{wscPoor, true}
	for _, tc := range []struct {
		name     string
		products []avProduct
		wsc      wscAnswer
		want     schema.Check
	}{
		{"Defender on", []avProduct{defender(397568)}, good,
			antivirusCheck(schema.Good, "Windows Defender is on and up to date.")},
		{"Defender passive, third party on", []avProduct{defender(393472), {"Norton 360", 266240}}, good,
			antivirusCheck(schema.Good, "Norton 360 is on and up to date.")},
		{"Defender out of date", []avProduct{defender(397584)}, poor,
			antivirusCheck(schema.Warning, "Windows Defender is on, but its virus definitions are out of date. "+
				"Open it and update them (for Microsoft Defender: Windows Security > Virus & threat protection > Protection updates).")},
		{"Defender off", []avProduct{defender(393472)}, poor,
			antivirusCheck(schema.Critical, "Virus protection is off (Windows Defender). Turn it on in Windows Security > Virus & threat protection.")},
		{"Defender off, yet Security Center content", []avProduct{defender(393472)}, good,
			antivirusCheck(schema.Good, "Windows Security reports that virus protection is on.")},
		{"third party snoozed", []avProduct{{"Avast Antivirus", 270336}}, wscAnswer{wscSnooze, true},
			antivirusCheck(schema.Warning, "Avast Antivirus is paused. Turn it back on in Windows Security > Virus & threat protection.")},
		{"third party expired", []avProduct{{"McAfee LiveSafe", 0x43000}}, poor,
			antivirusCheck(schema.Critical, "McAfee LiveSafe has expired and no longer protects this PC. "+
				"Renew it, or uninstall it so that Microsoft Defender Antivirus takes over.")},
		{"on, but Security Center unhappy", []avProduct{defender(397568)}, poor,
			antivirusCheck(schema.Warning, "Windows Defender is on, but Windows Security reports a problem with virus protection. "+
				"Open Windows Security to see what it is.")},
		{"no rows, health good", nil, good,
			antivirusCheck(schema.Good, "Windows Security reports that virus protection is on.")},
		{"no rows, health poor", nil, poor,
			antivirusCheck(schema.Critical, "No antivirus is protecting this PC. Turn on Microsoft Defender Antivirus in Windows Security > Virus & threat protection.")},
		{"Windows Server: nothing answers", nil, wscAnswer{},
			antivirusCheck(schema.Unknown, "Hearth could not tell whether an antivirus is on: Windows Security Center did not say.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, windowsAntivirusVerdict(tc.products, tc.wsc)); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWindowsFirewallVerdict(t *testing.T) {
	for _, tc := range []struct {
		name     string
		products []fwProduct
		wsc      wscAnswer
		want     schema.Check
	}{
		{"Defender Firewall on", nil, wscAnswer{wscGood, true},
			firewallCheck(schema.Good, "The firewall (Windows Defender Firewall) is on.")},
		{"third-party firewall on", []fwProduct{{"ZoneAlarm Free Firewall", 266240}}, wscAnswer{wscGood, true},
			firewallCheck(schema.Good, "The firewall (ZoneAlarm Free Firewall) is on.")},
		{"third-party firewall on, no Security Center answer", []fwProduct{{"ZoneAlarm Free Firewall", 266240}}, wscAnswer{},
			firewallCheck(schema.Good, "The firewall (ZoneAlarm Free Firewall) is on.")},
		{"off", nil, wscAnswer{wscPoor, true},
			firewallCheck(schema.Warning, "The firewall is off. Turn it on in Windows Security > Firewall & network protection.")},
		{"snoozed", nil, wscAnswer{wscSnooze, true},
			firewallCheck(schema.Warning, "The firewall is paused. Turn it back on in Windows Security > Firewall & network protection.")},
		{"not monitored", nil, wscAnswer{wscNotMonitored, true},
			firewallCheck(schema.Unknown, "Hearth could not tell whether the firewall is on: Windows Security Center did not say.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, windowsFirewallVerdict(tc.products, tc.wsc)); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWindowsUpdatesVerdict(t *testing.T) {
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	updates := []wuaUpdate{
		{MsrcSeverity: "Critical", Released: now.AddDate(0, 0, -5)},
		{Released: now.AddDate(0, 0, -2)}, // a driver, say: no MSRC rating
	}
	for _, tc := range []struct {
		name       string
		p          pendingUpdates
		err        error
		autoUpdate wscAnswer
		want       schema.Check
	}{
		{"security update waiting", summarizeWUA(updates), nil, wscAnswer{wscGood, true},
			updatesCheck(schema.Warning, "1 security update is waiting. Install them in Settings > Windows Update.")},
		{"nothing waiting", summarizeWUA(nil), nil, wscAnswer{wscGood, true},
			updatesCheck(schema.Good, "All updates are installed.")},
		{"automatic updates off", summarizeWUA(nil), nil, wscAnswer{wscPoor, true},
			updatesCheck(schema.Warning, "Windows is not installing updates automatically. "+
				"Turn automatic updates on in Settings > Windows Update, and install what is waiting.")},
		{"agent failed", pendingUpdates{}, errTest("search Windows Update: context deadline exceeded"), wscAnswer{},
			updatesCheck(schema.Unknown, "Hearth could not check for updates (search Windows Update: context deadline exceeded).")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, windowsUpdatesVerdict(tc.p, tc.err, tc.autoUpdate, now)); diff != "" {
				t.Errorf("verdict (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSummarizeWUA(t *testing.T) {
	old := time.Date(2026, 8, 12, 17, 0, 0, 0, time.UTC)
	got := summarizeWUA([]wuaUpdate{
		{MsrcSeverity: "Important", Released: time.Date(2026, 11, 11, 17, 0, 0, 0, time.UTC)},
		{Released: old},
		{MsrcSeverity: "Moderate"},
	})
	want := pendingUpdates{Count: 3, Security: 2, Oldest: old}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}
