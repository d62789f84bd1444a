package repo

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, newFolder(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, unlock, err := r.Lock(ctx, LockOptions{Holder: "server A"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = r.Lock(ctx, LockOptions{Holder: "server B"})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "server A") {
		t.Fatalf("a second run: %v, want ErrLocked naming server A", err)
	}
	unlock()
	_, unlock, err = r.Lock(ctx, LockOptions{Holder: "server B"})
	if err != nil {
		t.Fatalf("after it was given back: %v", err)
	}
	unlock()

	// A lock its holder stopped renewing (the run died) is taken over, with the clock
	// moved rather than waited for.
	clock := time.Now()
	now := func() time.Time { return clock }
	if _, _, err := r.Lock(ctx, LockOptions{Holder: "a run that dies", Now: now, Renew: time.Hour}); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(31 * time.Minute)
	if _, unlock, err = r.Lock(ctx, LockOptions{Holder: "the next run", Now: now}); err != nil {
		t.Fatalf("a stale lock: %v", err)
	}
	unlock()
}

// A run whose lock another took (believing it dead) is stopped at its next renewal, and
// does not give back the other's lock.
func TestLockLost(t *testing.T) {
	ctx := context.Background()
	r, err := Open(ctx, newFolder(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	lctx, unlock, err := r.Lock(ctx, LockOptions{Holder: "slow run", Renew: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Another run takes it over.
	if err := r.st.Delete(ctx, lockName); err != nil {
		t.Fatal(err)
	}
	if err := r.putLock(ctx, lockFile{Holder: "other run", Nonce: "other", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lctx.Done():
	case <-time.After(time.Minute):
		t.Fatal("the run went on without its lock")
	}
	if cause := context.Cause(lctx); !errors.Is(cause, ErrLocked) {
		t.Errorf("stopped because %v, want ErrLocked", cause)
	}
	unlock()
	if cur, err := r.readLock(ctx); err != nil || cur.Holder != "other run" {
		t.Errorf("the other run's lock after the slow run ended: %+v, %v", cur, err)
	}
}
