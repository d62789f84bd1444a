package launch

import (
	"os/exec"
	"testing"
	"time"
)

// TestBriefly: a program that fails at once is a failure; one that ends well, or still
// runs when the time is up, is not.
func TestBriefly(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr bool
	}{
		{"fails at once", []string{"sh", "-c", "exit 3"}, true},
		{"not there", []string{"/nonexistent/opener"}, true},
		{"ends well", []string{"true"}, false},
		{"stays open", []string{"sleep", "5"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Briefly(exec.Command(tc.args[0], tc.args[1:]...), 500*time.Millisecond)
			if (err != nil) != tc.wantErr {
				t.Errorf("err = %v, want an error: %v", err, tc.wantErr)
			}
		})
	}
}
