package localapi

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// still is an agent that answers with its state and starts nothing.
type still struct {
	mu sync.Mutex
	st State
}

func (s *still) State() (State, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st, make(chan struct{})
}

func (s *still) Start(Request) (State, bool, error) {
	st, _ := s.State()
	return st, false, ErrNotJoined
}

func serve(t *testing.T, ln *Listener) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Serve(ctx, ln, &still{st: State{PID: 42}}, nil); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// TestChannelIsPrivateAndOne: the channel's folder and socket are this user's alone; a
// second agent of the user does not start and says why in words; with no agent, a
// client is told so in words; a socket left by a killed agent does not stop the next.
func TestChannelIsPrivateAndOne(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hearth")
	if err := os.MkdirAll(dir, 0o755); err != nil { // as a careless umask made it
		t.Fatal(err)
	}
	config := filepath.Join(dir, "connector.json")
	if _, err := Dial(context.Background(), config); !errors.Is(err, ErrNoAgent) || !strings.Contains(err.Error(), "will not be backed up at night") {
		t.Errorf("with no agent: %v", err)
	}
	ln, err := Listen(config)
	if err != nil {
		t.Fatal(err)
	}
	serve(t, ln)
	for path, want := range map[string]os.FileMode{dir: 0o700, SocketPath(config): 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s has mode %v; want %v, so no other user can open the channel", path, st.Mode().Perm(), want)
		}
	}
	if st, _ := os.Stat(SocketPath(config)); st.Mode().Type() != os.ModeSocket {
		t.Errorf("%s is not a socket: %v", SocketPath(config), st.Mode())
	}
	if _, err := Listen(config); !errors.Is(err, ErrAgentRunning) || !strings.Contains(err.Error(), "already running") {
		t.Errorf("a second agent: %v", err)
	}
	c, err := Dial(context.Background(), config)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if st, err := c.State(context.Background()); err != nil || st.PID != 42 {
		t.Errorf("state: %+v %v", st, err)
	}
	if _, _, err := c.Backup(context.Background(), Request{By: ByTray}); err == nil || err.Error() != ErrNotJoined.Error() {
		t.Errorf("a backup refused: %v", err)
	}
}

func TestStaleSocketIsReplaced(t *testing.T) {
	config := filepath.Join(t.TempDir(), "connector.json")
	// A socket file as a killed agent leaves it: nobody listens on it.
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: SocketPath(config), Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false)
	old.Close()
	if _, err := os.Stat(SocketPath(config)); err != nil {
		t.Fatalf("the stale socket is not there: %v", err)
	}
	if _, err := Dial(context.Background(), config); !errors.Is(err, ErrNoAgent) {
		t.Errorf("a stale socket answered: %v", err)
	}
	ln, err := Listen(config)
	if err != nil {
		t.Fatalf("a stale socket stopped the agent: %v", err)
	}
	serve(t, ln)
	c, err := Dial(context.Background(), config)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}
