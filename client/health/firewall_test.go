package health

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-home/hearth/server/api/schema"
)

func TestParseSystemctlShow(t *testing.T) {
	got := parseSystemctlShow(testdata(t, "systemd/show-ufw-on.txt"))
	want := map[string]unitState{
		"ufw.service":       {Load: "loaded", Active: "active"},
		"firewalld.service": {Load: "not-found", Active: "inactive"},
		"nftables.service":  {Load: "loaded", Active: "inactive"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("units (-want +got):\n%s", diff)
	}
}

func TestParseUFWConf(t *testing.T) {
	for _, tc := range []struct {
		name, conf  string
		enabled, ok bool
	}{
		{"Ubuntu's file, enabled", testdata(t, "systemd/ufw.conf"), true, true},
		{"Ubuntu's file, disabled", testdata(t, "systemd/ufw-off.conf"), false, true},
		{"quoted", `ENABLED="yes"`, true, true},
		{"commented out only", "# ENABLED=yes\n", false, false},
		{"empty", "", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enabled, ok := parseUFWConf(tc.conf)
			if enabled != tc.enabled || ok != tc.ok {
				t.Errorf("parseUFWConf = %v, %v; want %v, %v", enabled, ok, tc.enabled, tc.ok)
			}
		})
	}
}

func TestLinuxFirewallVerdict(t *testing.T) {
	show := func(name string) map[string]unitState { return parseSystemctlShow(testdata(t, name)) }
	for _, tc := range []struct {
		name string
		fw   linuxFirewall
		want schema.Check
	}{
		{"ufw enabled", linuxFirewall{Systemd: true, Units: show("systemd/show-ufw-on.txt"), UFW: true, UFWConf: testdata(t, "systemd/ufw.conf")},
			firewallCheck(schema.Good, "The firewall (ufw) is on.")},
		{"ufw disabled", linuxFirewall{Systemd: true, Units: show("systemd/show-ufw-on.txt"), UFW: true, UFWConf: testdata(t, "systemd/ufw-off.conf")},
			firewallCheck(schema.Warning, "The firewall (ufw) is off. Turn it on with 'sudo ufw enable'.")},
		{"ufw enabled but its service failed", linuxFirewall{Systemd: true, Units: map[string]unitState{"ufw.service": {"loaded", "failed"}},
			UFW: true, UFWConf: "ENABLED=yes"},
			firewallCheck(schema.Warning, "The firewall (ufw) is off. Turn it on with 'sudo ufw enable'.")},
		{"firewalld installed, stopped", linuxFirewall{Systemd: true, Units: show("systemd/show-firewalld-off.txt")},
			firewallCheck(schema.Warning, "The firewall (firewalld) is off. Turn it on with 'sudo systemctl enable --now firewalld'.")},
		{"firewalld running", linuxFirewall{Systemd: true, Units: map[string]unitState{"firewalld.service": {"loaded", "active"}}},
			firewallCheck(schema.Good, "The firewall (firewalld) is on.")},
		{"nftables rules loaded and ufw off", linuxFirewall{Systemd: true, Units: map[string]unitState{"nftables.service": {"loaded", "active"}},
			UFW: true, UFWConf: "ENABLED=no"},
			firewallCheck(schema.Good, "The firewall (nftables) is on.")},
		{"nothing installed, systemd says so", linuxFirewall{Systemd: true, Units: show("systemd/show-none.txt")},
			firewallCheck(schema.Warning, "No firewall is turned on. Install one and turn it on: for example ufw (then run 'sudo ufw enable') or firewalld.")},
		{"no systemd, firewall-cmd says running", linuxFirewall{FirewallCmd: "running"},
			firewallCheck(schema.Good, "The firewall (firewalld) is on.")},
		{"no systemd, ufw.conf enabled", linuxFirewall{UFW: true, UFWConf: "ENABLED=yes"},
			firewallCheck(schema.Good, "The firewall (ufw) is on.")},
		{"no systemd, nothing to read", linuxFirewall{},
			firewallCheck(schema.Unknown, "Hearth could not tell whether a firewall is on: it asks systemd about ufw, firewalld and nftables, and systemd is not running here.")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.fw.check()); diff != "" {
				t.Errorf("check (-want +got):\n%s", diff)
			}
		})
	}
}
