package plainwords

import "testing"

func TestFind(t *testing.T) {
	for _, c := range []struct {
		text  string
		found bool
	}{
		// Go-ish: each must be found.
		{`Post "https://hearth.local:8443/api/backup": dial tcp 127.0.0.1:8443: connect: connection refused`, true},
		{"hearth: context canceled", true},
		{"context deadline exceeded (Client.Timeout exceeded while awaiting headers)", true},
		{"open /home/mum/x: no such file or directory", true},
		{"mkdir /restore/a: permission denied", true},
		{"write /srv/x: no space left on device", true},
		{"unexpected EOF", true},
		{"EOF", true},
		{"x509: certificate signed by unknown authority", true},
		{"remote error: tls: bad certificate", true},
		{`Get "https://10.0.0.2/api/me": EOF`, true},
		{"backup 3f9a1c0de4b5a6978812aa00ffee1234deadbeefcafebabe0011223344556677; hearth snapshots lists them", true},
		{"0123456789abcdef", true},
		{"%!s(MISSING)", true},
		{"value <nil>", true},
		{"panic: runtime error: index out of range", true},
		{"goroutine 7 [running]:", true},
		{"/work/client/cli/cli.go:88 +0x1f", true},
		{"read tcp 10.0.0.1:5555->10.0.0.2:443: read: connection reset by peer", true},
		{"lookup hearth.local: no such host", true},
		{"make the folder Holiday: 403 Forbidden: You may read the share Public", true},
		{"500 Internal Server Error", true},
		// Plain: none may be found.
		{"The server cannot be reached. Check that it is switched on, then try again.", false},
		{"Hearth cannot write into that folder. Choose a folder you may change, or ask whoever looks after this PC.", false},
		{"Backed up 12 files (3.4 MB); 1.2 MB was new. Backup 3f9a1c0d, 2026-12-07 12:30.", false},
		{"Permission denied: you may only read this folder.", false}, // a person's words, not Go's ": permission denied"
		{"The backup of Monday 7 December at 03:00 is kept until you unpin it.", false},
		{"Go to Settings and join again.", false},
		{"Everything is fine", false},
		{"The server's drive is full; ask whoever looks after it to free some space.", false},
		{"", false},
		{"403 photos were backed up.", false},
	} {
		got := Find(c.text)
		if (len(got) > 0) != c.found {
			t.Errorf("Find(%q) = %q; want found=%v", c.text, got, c.found)
		}
	}
}
