package safepath

import (
	"errors"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		ok   bool
	}{
		{"share", "Photos", "Photos", true},
		{"nested", "Photos/2024/beach.jpg", "Photos/2024/beach.jpg", true},
		{"trailing slash", "Photos/2024/", "Photos/2024", true},
		{"unicode", "Música/Björk – Jóga.flac", "Música/Björk – Jóga.flac", true},
		{"spaces and dots inside", "Docs/my .file.. x", "Docs/my .file.. x", true},
		{"empty", "", "", false},
		{"root", "/", "", false},
		{"absolute", "/etc/passwd", "", false},
		{"dotdot", "Docs/../../etc/passwd", "", false},
		{"dotdot alone", "..", "", false},
		{"dot", "Docs/./a", "", false},
		{"trailing dotdot", "Docs/..", "", false},
		{"double slash", "Docs//a", "", false},
		{"nul", "Docs/a\x00b", "", false},
		{"newline", "Docs/a\nb", "", false},
		{"backslash escape", `Docs/..\..\x`, "", false},
		{"invalid utf8", "Docs/\xff", "", false},
		{"long name", "Docs/" + strings.Repeat("a", MaxName+1), "", false},
		{"long path", strings.Repeat("abcdefgh/", MaxPath/9+1) + "x", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Clean(tc.in)
			if tc.ok != (err == nil) {
				t.Fatalf("Clean(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if got != tc.want {
				t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestShareName(t *testing.T) {
	for _, ok := range []string{"Photos", "Mum's things", "Videos 2024"} {
		if err := ShareName(ok); err != nil {
			t.Errorf("ShareName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "a/b", ".hearth", " x", "x ", "a:b", "a*", strings.Repeat("x", 65)} {
		if err := ShareName(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("ShareName(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestWithinAndParents(t *testing.T) {
	if !Within("A/b/c", "A/b") || !Within("A/b", "A/b") || Within("A/bc", "A/b") || Within("A", "A/b") {
		t.Error("Within is wrong")
	}
	var got []string
	Ancestors("A/b/c/d", func(s string) { got = append(got, s) })
	if strings.Join(got, ",") != "A/b/c,A/b,A" {
		t.Errorf("Ancestors = %v", got)
	}
	if Parent("A") != "" || Base("A/b/c") != "c" || Base("A") != "A" {
		t.Error("Parent/Base wrong")
	}
	if s, r := Split("A/b/c"); s != "A" || r != "b/c" {
		t.Errorf("Split = %q %q", s, r)
	}
}

// FuzzClean holds the one promise every caller relies on: an accepted path never climbs out
// of its share and never holds a byte a drive could misread.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"Docs/a", "../x", "a/./b", "a\x00", "/abs", "a//b", "ü/é", `a\b`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := Clean(p)
		if err != nil {
			return
		}
		if strings.HasPrefix(got, "/") || strings.ContainsAny(got, "\x00\\") {
			t.Fatalf("accepted %q", got)
		}
		for _, name := range strings.Split(got, "/") {
			if name == "" || name == "." || name == ".." {
				t.Fatalf("accepted %q with element %q", got, name)
			}
		}
		if again, err := Clean(got); err != nil || again != got {
			t.Fatalf("Clean not idempotent: %q -> %q, %v", got, again, err)
		}
	})
}

func BenchmarkClean(b *testing.B) {
	for b.Loop() {
		Clean("Photos/2024/Summer holiday/IMG_2041.jpg")
	}
}
