package health

import (
	"fmt"
	"unsafe"

	"github.com/yusufpapurcu/wmi"
	"golang.org/x/sys/windows"
)

// querySecurityCenter runs a WQL query in root\SecurityCenter2, which Windows Server lacks.
func querySecurityCenter(query string, dst any) error {
	if err := wmi.QueryNamespace(query, dst, `root\SecurityCenter2`); err != nil {
		return fmt.Errorf("ask Windows Security Center: %w", err)
	}
	return nil
}

// securityProviderHealth asks Security Center for the overall health of one provider
// (WSC_SECURITY_PROVIDER). When the Security Center service is not running, the function
// answers S_FALSE and says POOR whatever the truth; that, like a missing wscapi.dll, is
// no answer.
func securityProviderHealth(provider uint32) wscAnswer {
	proc := windows.NewLazySystemDLL("wscapi.dll").NewProc("WscGetSecurityProviderHealth")
	if proc.Find() != nil {
		return wscAnswer{}
	}
	var health uint32
	hr, _, _ := proc.Call(uintptr(provider), uintptr(unsafe.Pointer(&health)))
	if hr != 0 { // S_OK only
		return wscAnswer{}
	}
	return wscAnswer{Health: wscHealth(health), OK: true}
}
