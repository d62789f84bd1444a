package web

import (
	"testing"

	"github.com/hearth-home/hearth/server/auth"
)

// TestOneUserCannotSignEveryoneOut: one user signing in over and over (a stolen PC's
// device token can, without a password) ends their own oldest sessions, never those of
// the others, however many times.
func TestOneUserCannotSignEveryoneOut(t *testing.T) {
	s := NewSessions()
	dad := s.create(auth.Credential{}, "dad", "192.0.2.1", "Firefox")
	first := s.create(auth.Credential{}, "mum", "192.0.2.2", "connector")
	for range maxSessions {
		s.create(auth.Credential{}, "mum", "192.0.2.2", "connector")
	}
	if _, ok := s.get(dad); !ok {
		t.Error("dad's session ended because mum's device signed in many times")
	}
	if _, ok := s.get(first); ok {
		t.Error("mum's first session outlived her many later ones")
	}
	if n := len(s.List()); n > maxPerUser+1 {
		t.Errorf("%d sessions kept, want at most %d of mum's and dad's one", n, maxPerUser)
	}
}
