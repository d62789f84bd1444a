package repo

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/hearth-home/hearth/backup/storage"
)

// lockName is the object that says a run is writing the repository. Only one may: a
// cleanup (Prune) deletes the packs no backup refers to yet, which are the packs a run
// still going has stored.
const lockName = "lock"

// ErrLocked: another run holds the repository.
var ErrLocked = errors.New("another backup is using this target right now; try again when it is done")

// LockOptions describe who takes the lock, and how often it is renewed.
type LockOptions struct {
	// Holder names who holds it, for the person told it is taken ("the server
	// Hearth, job USB disk").
	Holder string
	// Renew is how often the lock is written again while held; a lock not renewed
	// for StaleAfter is taken as left by a run that died. 0 means 5 minutes and 30.
	Renew, StaleAfter time.Duration
	Now               func() time.Time
}

// lockFile is the lock object's content.
type lockFile struct {
	Holder string    `json:"holder"`
	Nonce  string    `json:"nonce"` // tells this holder's lock from another's of the same name
	Time   time.Time `json:"time"`
}

// Lock takes the repository for one run. It returns a context that ends if the lock is
// lost (another run took it, believing this one dead), and the function that gives it
// back. ErrLocked (wrapped with who holds it) when another run holds it.
func (r *Repo) Lock(ctx context.Context, opt LockOptions) (context.Context, func(), error) {
	if opt.Renew == 0 {
		opt.Renew = 5 * time.Minute
	}
	if opt.StaleAfter == 0 {
		opt.StaleAfter = 30 * time.Minute
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	mine := lockFile{Holder: opt.Holder, Nonce: rand.Text()}
	if err := r.takeLock(ctx, &mine, opt); err != nil {
		return nil, nil, err
	}
	lctx, cancel := context.WithCancelCause(ctx)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(opt.Renew)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-lctx.Done():
				return
			case <-t.C:
			}
			if err := r.renewLock(lctx, &mine, opt); err != nil {
				cancel(fmt.Errorf("the backup stopped: %w", err))
				return
			}
		}
	})
	unlock := func() {
		close(stop)
		wg.Wait()
		// Given back only if still ours; a lock another run took is theirs.
		if cur, err := r.readLock(context.WithoutCancel(ctx)); err == nil && cur.Nonce == mine.Nonce {
			r.st.Delete(context.WithoutCancel(ctx), lockName)
		}
		cancel(nil)
	}
	return lctx, unlock, nil
}

// takeLock puts the lock, or takes over one its holder stopped renewing.
func (r *Repo) takeLock(ctx context.Context, mine *lockFile, opt LockOptions) error {
	for range 3 {
		mine.Time = opt.Now()
		err := r.putLock(ctx, *mine)
		if !errors.Is(err, storage.ErrExists) {
			return err
		}
		cur, err := r.readLock(ctx)
		if errors.Is(err, storage.ErrNotFound) {
			continue // given back meanwhile
		}
		if err == nil && opt.Now().Sub(cur.Time) < opt.StaleAfter {
			return fmt.Errorf("%w (%s, since %s)", ErrLocked, cur.Holder, cur.Time.Local().Format("2006-01-02 15:04"))
		}
		// Stale, or unreadable (damaged): left by a run that died.
		if err := r.st.Delete(ctx, lockName); err != nil {
			return err
		}
	}
	return ErrLocked
}

// renewLock writes the lock again with the time now, unless another run holds it.
func (r *Repo) renewLock(ctx context.Context, mine *lockFile, opt LockOptions) error {
	cur, err := r.readLock(ctx)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil // a store that fails for a moment: try at the next renewal
	}
	if err == nil && cur.Nonce != mine.Nonce {
		return fmt.Errorf("%w: %s took it", ErrLocked, cur.Holder)
	}
	if err := r.st.Delete(ctx, lockName); err != nil {
		return nil
	}
	mine.Time = opt.Now()
	if err := r.putLock(ctx, *mine); errors.Is(err, storage.ErrExists) {
		return fmt.Errorf("%w: another run took it", ErrLocked)
	}
	return nil
}

func (r *Repo) putLock(ctx context.Context, l lockFile) error {
	data, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return r.st.Put(ctx, lockName, bytes.NewReader(data), int64(len(data)))
}

func (r *Repo) readLock(ctx context.Context) (lockFile, error) {
	rc, err := r.st.Get(ctx, lockName)
	if err != nil {
		return lockFile{}, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return lockFile{}, err
	}
	var l lockFile
	if err := json.Unmarshal(data, &l); err != nil {
		return lockFile{}, fmt.Errorf("the lock: %w", err)
	}
	return l, nil
}
