package localapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// ErrAgentRunning: another agent of this user already runs on this PC.
var ErrAgentRunning = errors.New("another Hearth agent of yours is already running on this PC, so this one does not start; it backs this PC up")

// ErrNotJoined is the answer to a backup asked for on a PC that has not joined a server.
var ErrNotJoined = errors.New("this PC has not joined a server yet, so there is nowhere to back it up to")

// Request asks the agent for a backup.
type Request struct {
	By string `json:"by"`
	// Include and Exclude, when set, replace the PC's settings for this backup only
	// ('hearth backup -include DIR').
	Include []string `json:"include,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
}

// Backend is the agent as the channel serves it.
type Backend interface {
	// State is the agent's state now and a channel closed at its next change.
	State() (State, <-chan struct{})
	// Start starts a backup unless one runs; either way it returns the state with the
	// running backup, and started says whether this request began it.
	Start(Request) (st State, started bool, err error)
}

// Listener is the agent's end of the channel: the socket, and the lock that makes it the
// one agent of its user on this PC.
type Listener struct {
	net.Listener
	path   string
	lock   *os.File
	closed sync.Once
	err    error
}

// Listen opens the channel of the connector configured at configPath. A socket left by
// an agent that was killed is replaced; while another agent runs, ErrAgentRunning.
func Listen(configPath string) (*Listener, error) {
	dir := filepath.Dir(configPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("make the connector's folder: %w", err)
	}
	// Only this user may open the folder, and so the socket in it.
	if err := private(dir, 0o700); err != nil {
		return nil, fmt.Errorf("keep the connector's folder private: %w", err)
	}
	// The lock, not the socket, decides who is the agent: the system drops it however
	// the agent ends, where a socket file stays behind.
	lock, err := os.OpenFile(filepath.Join(dir, "agent.lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock the agent: %w", err)
	}
	held, err := tryLock(lock)
	if err != nil || held {
		lock.Close()
		if err == nil {
			err = ErrAgentRunning
		}
		return nil, err
	}
	path := SocketPath(configPath)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		lock.Close()
		return nil, fmt.Errorf("remove the socket a stopped agent left: %w", err)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("open the agent's channel: %w", err)
	}
	if err := private(path, 0o600); err != nil {
		ln.Close()
		lock.Close()
		return nil, fmt.Errorf("keep the agent's channel private: %w", err)
	}
	return &Listener{Listener: ln, path: path, lock: lock}, nil
}

// Close closes the socket, removes it and lets the lock go, once: after the lock, the
// socket file may be the next agent's.
func (l *Listener) Close() error {
	l.closed.Do(func() {
		l.err = l.Listener.Close()
		os.Remove(l.path)
		l.lock.Close()
	})
	return l.err
}

// Serve answers on ln until ctx ends, then closes it.
func Serve(ctx context.Context, ln *Listener, b Backend, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /state", func(w http.ResponseWriter, _ *http.Request) {
		st, _ := b.State()
		writeJSON(w, http.StatusOK, st)
	})
	mux.HandleFunc("POST /backup", func(w http.ResponseWriter, r *http.Request) {
		var req Request
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			writeJSON(w, http.StatusBadRequest, errorBody{Error: "The request to back up could not be read."})
			return
		}
		st, started, err := b.Start(req)
		switch {
		case err != nil:
			writeJSON(w, http.StatusConflict, errorBody{Error: err.Error()})
		case started:
			writeJSON(w, http.StatusAccepted, startBody{Started: true, State: st})
		default:
			writeJSON(w, http.StatusOK, startBody{State: st})
		}
	})
	mux.HandleFunc("GET /events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-store")
		flush := http.NewResponseController(w)
		for {
			st, changed := b.State()
			data, _ := json.Marshal(st)
			if _, err := fmt.Fprintf(w, "data: %s\n\n", data); err != nil {
				return
			}
			if flush.Flush() != nil {
				return
			}
			select {
			case <-r.Context().Done():
				return
			case <-changed:
			}
		}
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return ctx }}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		srv.Shutdown(sctx) // the event streams end with ctx
	}()
	err := srv.Serve(ln)
	ln.Close()
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	if log != nil {
		log.Warn("the agent's channel closed", "err", err)
	}
	return err
}

type errorBody struct {
	Error string `json:"error"`
}

type startBody struct {
	Started bool  `json:"started"`
	State   State `json:"state"`
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}
