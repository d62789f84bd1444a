package discovery

import (
	"strings"
	"testing"
)

func TestTXT(t *testing.T) {
	got, err := parseTXT(testInfo.Instance, testInfo.txt())
	if err != nil || got != testInfo {
		t.Errorf("round trip: %+v %v", got, err)
	}
	for _, bad := range [][]string{nil, {"id=x", "port=0", "fp=" + strings.Repeat("a", 64)}, {"id=x", "port=1", "fp=zz"}} {
		if _, err := parseTXT("x", bad); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func FuzzParseTXT(f *testing.F) {
	f.Add("id=x", "port=8443", "fp="+strings.Repeat("0f", 32))
	f.Fuzz(func(t *testing.T, a, b, c string) {
		i, err := parseTXT("n", []string{a, b, c})
		if err == nil && (i.Port < 1 || i.Port > 65535 || len(i.Fingerprint) != 64 || i.ID == "") {
			t.Errorf("accepted %+v", i)
		}
	})
}

func TestLabels(t *testing.T) {
	for _, name := range []string{"Family Server (den)", "a.b\\c", "ünïcödé", "tab\there"} {
		label, rest := firstLabel(escapeLabel(name) + "." + serviceType)
		if label != name || rest != serviceType {
			t.Errorf("%q came back as %q / %q", name, label, rest)
		}
	}
}
