package crypt

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/storage"
	"golang.org/x/crypto/chacha20poly1305"
)

// ad is what a sealed object is bound to besides its content: its name, so an object
// moved to another name (a pack put where a snapshot was) fails to open.
func ad(name string) []byte { return []byte("hearth object v1\x00" + name) }

// seal returns the stored form of plain under name.
func (s *Storage) seal(name string, plain []byte) ([]byte, error) {
	out := make([]byte, len(objectMagic)+chacha20poly1305.NonceSizeX, len(plain)+Overhead)
	copy(out, objectMagic)
	if _, err := io.ReadFull(s.rand, out[len(objectMagic):]); err != nil {
		return nil, fmt.Errorf("seal %s: %w", name, err)
	}
	nonce := out[len(objectMagic):]
	return s.aead.Seal(out, nonce, plain, ad(name)), nil
}

// open returns the plain form of a stored object.
func (s *Storage) open(name string, stored []byte) ([]byte, error) {
	if len(stored) < Overhead || string(stored[:len(objectMagic)]) != objectMagic {
		return nil, fmt.Errorf("%s: %w: not a sealed object", name, backup.ErrCorrupt)
	}
	nonce := stored[len(objectMagic) : len(objectMagic)+chacha20poly1305.NonceSizeX]
	plain, err := s.aead.Open(nil, nonce, stored[len(nonce)+len(objectMagic):], ad(name))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: it does not open with this backup's key", name, backup.ErrCorrupt)
	}
	return plain, nil
}

// checkName keeps the config object out of reach through the wrapper: it is not
// sealed, and must never be replaced or removed by the repository.
func checkName(name string) error {
	if name == ConfigName {
		return fmt.Errorf("%q: %w", name, storage.ErrBadName)
	}
	return storage.CheckName(name)
}

// Get reads and opens an object; one damaged or sealed with another key fails with
// backup.ErrCorrupt.
func (s *Storage) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	rc, err := s.inner.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	stored, err := io.ReadAll(io.LimitReader(rc, maxObject+int64(Overhead)+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	plain, err := s.open(name, stored)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(plain)), nil
}

// Put seals and stores an object.
func (s *Storage) Put(ctx context.Context, name string, r io.Reader, size int64) error {
	if err := checkName(name); err != nil {
		return err
	}
	if size > maxObject {
		return fmt.Errorf("put %s: %d bytes is more than an object may hold", name, size)
	}
	plain := make([]byte, size)
	if _, err := io.ReadFull(storage.Body(ctx, r, size), plain); err != nil {
		return fmt.Errorf("put %s: %w", name, err)
	}
	stored, err := s.seal(name, plain)
	if err != nil {
		return err
	}
	return s.inner.Put(ctx, name, bytes.NewReader(stored), int64(len(stored)))
}

// Delete removes an object.
func (s *Storage) Delete(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	return s.inner.Delete(ctx, name)
}

// Sweep sweeps the store beneath, when it leaves anything behind.
func (s *Storage) Sweep(ctx context.Context, olderThan time.Time) (int, error) {
	if sw, ok := s.inner.(storage.Sweeper); ok {
		return sw.Sweep(ctx, olderThan)
	}
	return 0, nil
}

// List lists the objects with their plain sizes, leaving out the config.
func (s *Storage) List(ctx context.Context, prefix string, fn func(storage.Object) error) error {
	return s.inner.List(ctx, prefix, func(o storage.Object) error {
		if o.Name == ConfigName {
			return nil
		}
		o.Size -= int64(Overhead)
		return fn(o)
	})
}
