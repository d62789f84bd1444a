package health

import (
	"fmt"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// The Windows Security Center side of the Windows probes: the rows WMI gives for
// root\SecurityCenter2 and the health wscapi.dll gives, and what they mean. They live here,
// built everywhere, so they are tested on any machine.

// avProduct is a row of root\SecurityCenter2's AntiVirusProduct; the field names are the
// WMI property names, as github.com/yusufpapurcu/wmi needs them.
type avProduct struct {
	DisplayName  string
	ProductState uint32
}

// fwProduct is a row of root\SecurityCenter2's FirewallProduct. Windows Defender Firewall
// has none: only third-party firewalls appear.
type fwProduct struct {
	DisplayName  string
	ProductState uint32
}

// productState is SecurityCenter2's productState. Microsoft documents it only under NDA;
// the layout every tool uses comes from what real machines report (bigfix.me analysis
// 2998358, PowerShell's "Identifying Antivirus Engine State"): bits 12-15 say on (0x1000),
// off (0), snoozed (0x2000) or expired (0x3000); 0x10 says the definitions are out of date;
// 0x100 marks a Microsoft product. Defender on and current reports 397568 (0x61100).
type productState uint32

const (
	productStateMask = 0xF000
	productOn        = 0x1000
	productSnoozed   = 0x2000
	productExpired   = 0x3000
	productOutOfDate = 0x10
)

func (s productState) on() bool       { return s&productStateMask == productOn }
func (s productState) snoozed() bool  { return s&productStateMask == productSnoozed }
func (s productState) expired() bool  { return s&productStateMask == productExpired }
func (s productState) upToDate() bool { return s&productOutOfDate == 0 }

// wscHealth is a WSC_SECURITY_PROVIDER_HEALTH value, from WscGetSecurityProviderHealth.
type wscHealth uint32

const (
	wscGood         wscHealth = 0
	wscNotMonitored wscHealth = 1
	wscPoor         wscHealth = 2
	wscSnooze       wscHealth = 3
)

// The WSC_SECURITY_PROVIDER values Hearth asks about.
const (
	wscProviderFirewall   = 1
	wscProviderAutoUpdate = 2
	wscProviderAntivirus  = 4
)

func (h wscHealth) String() string {
	switch h {
	case wscGood:
		return "good"
	case wscNotMonitored:
		return "not monitored"
	case wscPoor:
		return "poor"
	case wscSnooze:
		return "snoozed"
	}
	return fmt.Sprintf("health %d", uint32(h))
}

// wscAnswer is Security Center's overall health of one provider; OK is false when it could
// not be asked (no Security Center on Windows Server, service stopped).
type wscAnswer struct {
	Health wscHealth
	OK     bool
}

const (
	virusSettings    = "Windows Security > Virus & threat protection"
	firewallSettings = "Windows Security > Firewall & network protection"
)

// windowsAntivirusVerdict: an antivirus that is on and current is good, whoever makes it
// (Defender reports itself off, 393472, while a third-party antivirus protects the PC).
// No antivirus on at all is critical: Windows PCs are what malware targets.
func windowsAntivirusVerdict(products []avProduct, wsc wscAnswer) schema.Check {
	var stale, snoozed, expired, off []string
	for _, p := range products {
		s := productState(p.ProductState)
		switch {
		case s.on() && s.upToDate():
			if wsc.OK && wsc.Health == wscPoor {
				return antivirusCheck(schema.Warning, fmt.Sprintf("%s is on, but Windows Security reports a problem with virus protection. "+
					"Open Windows Security to see what it is.", p.DisplayName))
			}
			return antivirusCheck(schema.Good, p.DisplayName+" is on and up to date.")
		case s.on():
			stale = append(stale, p.DisplayName)
		case s.snoozed():
			snoozed = append(snoozed, p.DisplayName)
		case s.expired():
			expired = append(expired, p.DisplayName)
		default:
			off = append(off, p.DisplayName)
		}
	}
	switch {
	case len(stale) > 0:
		return antivirusCheck(schema.Warning, fmt.Sprintf("%s is on, but its virus definitions are out of date. "+
			"Open it and update them (for Microsoft Defender: %s > Protection updates).", stale[0], virusSettings))
	case wsc.OK && wsc.Health == wscGood:
		return windowsAntivirusByHealth(wsc) // Security Center sees protection WMI did not list
	case len(snoozed) > 0:
		return antivirusCheck(schema.Warning, fmt.Sprintf("%s is paused. Turn it back on in %s.", snoozed[0], virusSettings))
	case len(expired) > 0:
		return antivirusCheck(schema.Critical, fmt.Sprintf("%s has expired and no longer protects this PC. "+
			"Renew it, or uninstall it so that Microsoft Defender Antivirus takes over.", expired[0]))
	case len(off) > 0:
		return antivirusCheck(schema.Critical, fmt.Sprintf("Virus protection is off (%s). Turn it on in %s.", listNames(off), virusSettings))
	}
	return windowsAntivirusByHealth(wsc)
}

// windowsAntivirusByHealth decides from Security Center's health alone, when WMI listed no
// antivirus that is on.
func windowsAntivirusByHealth(wsc wscAnswer) schema.Check {
	switch {
	case wsc.OK && wsc.Health == wscGood:
		return antivirusCheck(schema.Good, "Windows Security reports that virus protection is on.")
	case wsc.OK && wsc.Health == wscPoor:
		return antivirusCheck(schema.Critical, "No antivirus is protecting this PC. Turn on Microsoft Defender Antivirus in "+virusSettings+".")
	case wsc.OK && wsc.Health == wscSnooze:
		return antivirusCheck(schema.Warning, "Virus protection is paused. Turn it back on in "+virusSettings+".")
	}
	return antivirusCheck(schema.Unknown, "Hearth could not tell whether an antivirus is on: Windows Security Center did not say.")
}

// windowsFirewallVerdict trusts Security Center's health first, since Windows Defender
// Firewall appears only there; a third-party firewall's row only names it. A firewall that
// is off is a warning, not critical: a home router already shields the PC from the internet.
func windowsFirewallVerdict(products []fwProduct, wsc wscAnswer) schema.Check {
	name := "Windows Defender Firewall"
	thirdPartyOn := false
	for _, p := range products {
		if productState(p.ProductState).on() {
			name, thirdPartyOn = p.DisplayName, true
			break
		}
	}
	poor := wsc.OK && wsc.Health == wscPoor
	switch {
	case wsc.OK && wsc.Health == wscGood, thirdPartyOn && !poor:
		return firewallCheck(schema.Good, "The firewall ("+name+") is on.")
	case poor:
		return firewallCheck(schema.Warning, "The firewall is off. Turn it on in "+firewallSettings+".")
	case wsc.OK && wsc.Health == wscSnooze:
		return firewallCheck(schema.Warning, "The firewall is paused. Turn it back on in "+firewallSettings+".")
	}
	return firewallCheck(schema.Unknown, "Hearth could not tell whether the firewall is on: Windows Security Center did not say.")
}

const windowsUpdatesHowTo = "Install them in Settings > Windows Update."

// windowsUpdatesVerdict adds Security Center's view of automatic updates to what Windows
// Update listed (wuaErr when it could not be asked): updates that are off matter more than
// any count.
func windowsUpdatesVerdict(p pendingUpdates, wuaErr error, autoUpdate wscAnswer, now time.Time) schema.Check {
	if autoUpdate.OK && autoUpdate.Health == wscPoor {
		return updatesCheck(schema.Warning, "Windows is not installing updates automatically. "+
			"Turn automatic updates on in Settings > Windows Update, and install what is waiting.")
	}
	if wuaErr != nil {
		return updatesCheck(schema.Unknown, couldNot("for updates", wuaErr))
	}
	return updatesVerdict(p, now, windowsUpdatesHowTo)
}
