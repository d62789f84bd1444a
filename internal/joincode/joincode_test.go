package joincode

import (
	"strings"
	"testing"
)

const fp = "3F:A1:00:9C:5E:77:12:34:56:78:9A:BC:DE:F0:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22"

// A code made for a server's authority reads back as it was typed, in the forms a
// person types it, and matches that authority alone.
func TestCode(t *testing.T) {
	c, err := New(fp)
	if err != nil {
		t.Fatal(err)
	}
	s := c.String()
	if len(s) != 23 || strings.Count(s, "-") != 3 {
		t.Fatalf("code %q: want four groups of five", s)
	}
	squash := strings.ReplaceAll(s, "-", "")
	typed := []string{s, strings.ToLower(s), squash, " " + strings.ReplaceAll(s, "-", " ") + " ",
		strings.NewReplacer("0", "o", "1", "l").Replace(strings.ToLower(s))}
	for _, in := range typed {
		got, err := Parse(in)
		if err != nil || got != c {
			t.Errorf("Parse(%q) = %v, %v; want the code %s", in, got, err, s)
		}
	}
	if !c.Matches(fp) || !c.Matches(strings.ToLower(strings.ReplaceAll(fp, ":", ""))) {
		t.Error("the code does not match the authority it was made for")
	}
	other := strings.Replace(fp, "3F", "3E", 1)
	if c.Matches(other) {
		t.Error("the code matches another authority")
	}
	if got := c.Secret(); len(got) != 8 || got != squash[:8] {
		t.Errorf("secret %q, want the code's first eight characters %q", got, squash[:8])
	}
	// Another code for the same server has another secret and so another pin.
	d, _ := New(fp)
	if d == c || d.pin == c.pin {
		t.Errorf("two codes alike: %s %s", c, d)
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{"", "7K2QD-M9XWA-0B4TE-HR5N", "7K2QD-M9XWA-0B4TE-HR5NZZ", "7K2QD-M9XWA-0B4TE-HR5NU", "7K2QD+M9XWA+0B4TE+HR5NZ", "ÄK2QD-M9XWA-0B4TE-HR5N"} {
		if _, err := Parse(in); err != ErrMalformed {
			t.Errorf("Parse(%q): %v, want ErrMalformed", in, err)
		}
	}
}

// FuzzParse: whatever is typed, Parse answers without failing, and a code it reads is
// written back as the same code.
func FuzzParse(f *testing.F) {
	f.Add("7K2QD-M9XWA-0B4TE-HR5NZ")
	f.Add("zzzzzzzzzzzzzzzzzzzz")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(c.String())
		if err != nil || again != c {
			t.Fatalf("%q read as %s, which reads back as %v, %v", s, c, again, err)
		}
	})
}
