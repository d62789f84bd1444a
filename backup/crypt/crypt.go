// Package crypt seals a backup repository's objects so the store holding them (a cloud,
// another house, a drive that is lost or stolen) learns nothing of their content: a
// storage.Storage wrapped around any other. The key is random; it is kept in the
// repository sealed under a key derived from the family's passphrase with argon2id, and
// shown once as a recovery key to print. The format is in backup/FORMAT.md
// ("Encryption"), with golden files in testdata/.
package crypt

import (
	"bytes"
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/storage"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/chacha20poly1305"
)

// ConfigName is the object that says a repository is encrypted and holds its sealed
// key. It is the one object stored plain: it must be read before the key is known.
const ConfigName = "config"

// Errors a caller decides on.
var (
	ErrWrongPassphrase = errors.New("that is not the passphrase of this backup; nothing was read")
	ErrWrongRecovery   = errors.New("that recovery key does not open this backup; check it for typing mistakes")
	ErrBadRecoveryKey  = errors.New("that is not a recovery key: check it for typing mistakes")
	ErrNotEncrypted    = errors.New("this backup is not encrypted")
	ErrEncrypted       = errors.New("this backup is encrypted: give its passphrase or recovery key")
	ErrInitialized     = errors.New("there is a backup here already")
	ErrNoPassphrase    = errors.New("choose a passphrase of at least 8 characters")
)

// KDF is how the passphrase becomes the key that seals the repository's key.
type KDF struct {
	Name    string `json:"name"` // "argon2id"
	Time    uint32 `json:"time"`
	Memory  uint32 `json:"memory_kib"`
	Threads uint8  `json:"threads"`
	Salt    []byte `json:"salt"` // 16 random bytes (base64 in JSON)
}

// DefaultKDF is RFC 9106's second recommended setting: 3 passes over 64 MiB, 4 lanes;
// a small ARM box derives it in about a second, once per run.
func DefaultKDF() KDF { return KDF{Name: "argon2id", Time: 3, Memory: 64 << 10, Threads: 4} }

// The most a config may ask of the key derivation: 1 GiB and 16 passes (16 times the
// default's memory, 5 times its passes); a small ARM server has 1 to 4 GiB.
const (
	maxKDFMemory = 1 << 20 // KiB
	maxKDFTime   = 16
)

// Config is the stored form of the config object.
type Config struct {
	Version int    `json:"version"` // 1
	Cipher  string `json:"cipher"`  // "xchacha20-poly1305"
	KDF     KDF    `json:"kdf"`
	// Key is the repository's 32-byte key sealed under the passphrase's key: a 24-byte
	// nonce, then the sealed key with its 16-byte tag (base64 in JSON).
	Key []byte `json:"key"`
}

const (
	configVersion = 1
	cipherName    = "xchacha20-poly1305"
	// objectMagic starts every sealed object.
	objectMagic = "HEARTHE1"
	// Overhead is what sealing adds to an object: the magic, the nonce and the tag.
	Overhead = len(objectMagic) + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead
	// keyAD binds the sealed key to its use.
	keyAD = "hearth repository key v1"
	// maxObject bounds an object read into memory to seal or open (the largest pack
	// the server accepts is 64 MiB).
	maxObject = 256 << 20
)

// Storage seals every object it puts and opens every object it gets.
type Storage struct {
	inner storage.Storage
	aead  cipher.AEAD
	rand  io.Reader
}

var _ storage.Storage = (*Storage)(nil)

// Init makes an encrypted repository on st with a new random key, sealed under the
// passphrase, and returns it with the recovery key to show the family once.
func Init(ctx context.Context, st storage.Storage, passphrase string) (*Storage, string, error) {
	return initWith(ctx, st, passphrase, DefaultKDF(), rand.Reader)
}

func initWith(ctx context.Context, st storage.Storage, passphrase string, kdf KDF, rnd io.Reader) (*Storage, string, error) {
	if len([]rune(passphrase)) < 8 {
		return nil, "", ErrNoPassphrase
	}
	data, key, err := newConfig(passphrase, kdf, rnd)
	if err != nil {
		return nil, "", err
	}
	if err := st.Put(ctx, ConfigName, bytes.NewReader(data), int64(len(data))); errors.Is(err, storage.ErrExists) {
		return nil, "", ErrInitialized
	} else if err != nil {
		return nil, "", fmt.Errorf("set up the encrypted backup: %w", err)
	}
	s, err := wrap(st, key, rnd)
	return s, RecoveryKey(key), err
}

// newConfig makes a config sealing a new random key under passphrase.
func newConfig(passphrase string, kdf KDF, rnd io.Reader) ([]byte, []byte, error) {
	key := make([]byte, chacha20poly1305.KeySize)
	kdf.Salt = make([]byte, 16)
	nonce := make([]byte, chacha20poly1305.NonceSizeX)
	for _, b := range [][]byte{key, kdf.Salt, nonce} {
		if _, err := io.ReadFull(rnd, b); err != nil {
			return nil, nil, fmt.Errorf("make a key: %w", err)
		}
	}
	aead, err := chacha20poly1305.NewX(derive(passphrase, kdf))
	if err != nil {
		return nil, nil, err
	}
	cfg := Config{Version: configVersion, Cipher: cipherName, KDF: kdf, Key: aead.Seal(nonce, nonce, key, []byte(keyAD))}
	data, err := json.MarshalIndent(cfg, "", " ")
	return append(data, '\n'), key, err
}

func derive(passphrase string, kdf KDF) []byte {
	return argon2.IDKey([]byte(passphrase), kdf.Salt, kdf.Time, kdf.Memory, kdf.Threads, chacha20poly1305.KeySize)
}

// readConfig reads and checks the config object; ErrNotEncrypted if there is none.
func readConfig(ctx context.Context, st storage.Storage) (Config, error) {
	rc, err := st.Get(ctx, ConfigName)
	if errors.Is(err, storage.ErrNotFound) {
		return Config{}, ErrNotEncrypted
	}
	if err != nil {
		return Config{}, fmt.Errorf("open the encrypted backup: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return Config{}, fmt.Errorf("open the encrypted backup: %w", err)
	}
	var cfg Config
	if err := json.Unmarshal(data, &cfg); err != nil {
		return Config{}, fmt.Errorf("open the encrypted backup: %w: its settings cannot be read", backup.ErrCorrupt)
	}
	k := cfg.KDF
	switch {
	case cfg.Version != configVersion || cfg.Cipher != cipherName || k.Name != "argon2id":
		return Config{}, fmt.Errorf("open the encrypted backup: it was made by a newer Hearth (format %d, %s, %s)", cfg.Version, cfg.Cipher, k.Name)
	case k.Time < 1 || k.Time > maxKDFTime || k.Memory < 8 || k.Memory > maxKDFMemory || k.Threads < 1 || len(k.Salt) < 16,
		len(cfg.Key) != chacha20poly1305.NonceSizeX+chacha20poly1305.KeySize+chacha20poly1305.Overhead:
		// Bounds keep a damaged or hostile config (the store is not trusted) from
		// asking the server for more memory or time than a small box has: the
		// config is read before anything else, on every run.
		return Config{}, fmt.Errorf("open the encrypted backup: %w: its key settings are out of range", backup.ErrCorrupt)
	}
	return cfg, nil
}

// Open opens an encrypted repository with its passphrase. A wrong passphrase is
// refused before any object but the config is read.
func Open(ctx context.Context, st storage.Storage, passphrase string) (*Storage, error) {
	cfg, err := readConfig(ctx, st)
	if err != nil {
		return nil, err
	}
	aead, err := chacha20poly1305.NewX(derive(passphrase, cfg.KDF))
	if err != nil {
		return nil, err
	}
	nonce, sealed := cfg.Key[:chacha20poly1305.NonceSizeX], cfg.Key[chacha20poly1305.NonceSizeX:]
	key, err := aead.Open(nil, nonce, sealed, []byte(keyAD))
	if err != nil {
		return nil, ErrWrongPassphrase
	}
	return wrap(st, key, rand.Reader)
}

// OpenRecovery opens an encrypted repository with its recovery key, when the
// passphrase is lost.
func OpenRecovery(ctx context.Context, st storage.Storage, recovery string) (*Storage, error) {
	key, err := ParseRecoveryKey(recovery)
	if err != nil {
		return nil, err
	}
	if _, err := readConfig(ctx, st); err != nil {
		return nil, err
	}
	s, err := wrap(st, key, rand.Reader)
	if err != nil {
		return nil, err
	}
	// The config does not hold the key's check; the first object tells. A repository
	// with no object yet cannot be wrong.
	var first string
	stop := errors.New("stop")
	if err := st.List(ctx, "snapshots/", func(o storage.Object) error { first = o.Name; return stop }); err != nil && !errors.Is(err, stop) {
		return nil, err
	}
	if first == "" {
		return s, nil
	}
	rc, err := s.Get(ctx, first)
	if errors.Is(err, backup.ErrCorrupt) {
		return nil, ErrWrongRecovery
	}
	if err != nil {
		return nil, err
	}
	rc.Close()
	return s, nil
}

func wrap(st storage.Storage, key []byte, rnd io.Reader) (*Storage, error) {
	aead, err := chacha20poly1305.NewX(key)
	if err != nil {
		return nil, err
	}
	return &Storage{inner: st, aead: aead, rand: rnd}, nil
}

// recoveryEncoding writes recovery keys in capitals and the digits 2 to 7 (base32), so
// that what is read off paper has one meaning: 0, 1 and 8, which it never uses, are
// read as the O, I and B they are taken for.
var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// RecoveryKey writes key for a person to print: its 32 bytes and a 2-byte check (so a
// mistyped key is told apart from a wrong one), in base32, in groups of five.
func RecoveryKey(key []byte) string {
	sum := backup.Hash(key)
	s := recoveryEncoding.EncodeToString(append(append([]byte{}, key...), sum[:2]...))
	var groups []string
	for len(s) > 5 {
		groups, s = append(groups, s[:5]), s[5:]
	}
	return strings.Join(append(groups, s), "-")
}

// ParseRecoveryKey reads a recovery key as a person types it back: case, spaces and
// dashes do not matter.
func ParseRecoveryKey(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ', '\t', '\n', '\r':
			return -1
		case '0':
			return 'O'
		case '1':
			return 'I'
		case '8':
			return 'B'
		}
		return r
	}, strings.ToUpper(s))
	b, err := recoveryEncoding.DecodeString(s)
	if err != nil || len(b) != chacha20poly1305.KeySize+2 {
		return nil, ErrBadRecoveryKey
	}
	key := b[:chacha20poly1305.KeySize]
	if sum := backup.Hash(key); !bytes.Equal(sum[:2], b[chacha20poly1305.KeySize:]) {
		return nil, ErrBadRecoveryKey
	}
	return key, nil
}
