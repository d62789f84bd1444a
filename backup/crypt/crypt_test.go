package crypt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hearth-home/hearth/backup"
	"github.com/hearth-home/hearth/backup/storage"
	"github.com/hearth-home/hearth/backup/storage/folder"
	"github.com/hearth-home/hearth/backup/storage/storagetest"
)

var update = flag.Bool("update", false, "write the golden files anew")

// fastKDF keeps tests that make many repositories quick; the golden files use the
// default.
var fastKDF = KDF{Name: "argon2id", Time: 1, Memory: 64, Threads: 1}

func newFolder(t *testing.T) (*folder.Folder, string) {
	dir := t.TempDir()
	f, err := folder.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return f, dir
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Storage {
		f, _ := newFolder(t)
		s, _, err := initWith(context.Background(), f, "correct horse", fastKDF, cryptoRand{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, storagetest.Options{})
}

type cryptoRand struct{}

func (cryptoRand) Read(p []byte) (int, error) { return randReader().Read(p) }

func randReader() io.Reader { return rand.NewChaCha8([32]byte{byte(rand.Uint32())}) }

// seeded gives the same bytes every run, so the golden files can be made again.
func seeded() io.Reader { return rand.NewChaCha8([32]byte{'h', 'e', 'a', 'r', 't', 'h'}) }

const (
	goldenPassphrase = "correct horse battery staple"
	goldenName       = "snapshots/golden"
	goldenPlain      = "A family's photos, sealed.\n"
)

// The golden files pin the format: a config made with the default argon2id settings
// and an object sealed under its key. Reading them must keep working in every later
// Hearth, and making them again from the same random bytes must give the same bytes.
func TestGolden(t *testing.T) {
	ctx := context.Background()
	f, dir := newFolder(t)
	s, recovery, err := initWith(ctx, f, goldenPassphrase, DefaultKDF(), seeded())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, goldenName, strings.NewReader(goldenPlain), int64(len(goldenPlain))); err != nil {
		t.Fatal(err)
	}
	made := map[string][]byte{}
	for file, name := range map[string]string{"config.golden.json": ConfigName, "object.golden": goldenName} {
		made[file], _ = os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	}
	made["recovery.golden.txt"] = []byte(recovery + "\n")
	for file, data := range made {
		golden := filepath.Join("testdata", file)
		if *update {
			if err := os.WriteFile(golden, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, want) {
			t.Errorf("%s: the format changed (made %d bytes, golden %d); an existing backup would not open", file, len(data), len(want))
		}
	}

	// Read the golden files as a later Hearth would, with the passphrase and with the
	// recovery key.
	g, gdir := newFolder(t)
	for file, name := range map[string]string{"config.golden.json": ConfigName, "object.golden": goldenName} {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(gdir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, data, 0o644)
	}
	opened, err := Open(ctx, g, goldenPassphrase)
	if err != nil {
		t.Fatal(err)
	}
	if got := storagetest.Get(t, opened, goldenName); string(got) != goldenPlain {
		t.Errorf("the golden object opens as %q", got)
	}
	rec, err := os.ReadFile(filepath.Join("testdata", "recovery.golden.txt"))
	if err != nil {
		t.Fatal(err)
	}
	byKey, err := OpenRecovery(ctx, g, strings.ToLower(string(rec))) // typed back in any case
	if err != nil {
		t.Fatal(err)
	}
	if got := storagetest.Get(t, byKey, goldenName); string(got) != goldenPlain {
		t.Errorf("the golden object opens with the recovery key as %q", got)
	}
}

// counting counts the objects read through it.
type counting struct {
	storage.Storage
	gets atomic.Int64
	last atomic.Value
}

func (c *counting) Get(ctx context.Context, name string) (io.ReadCloser, error) {
	c.gets.Add(1)
	c.last.Store(name)
	return c.Storage.Get(ctx, name)
}

// A wrong passphrase is refused with a clear error, having read nothing but the config.
func TestWrongPassphraseReadsNothing(t *testing.T) {
	ctx := context.Background()
	f, _ := newFolder(t)
	s, _, err := initWith(ctx, f, "the right passphrase", fastKDF, cryptoRand{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "snapshots/a", strings.NewReader("secret"), 6); err != nil {
		t.Fatal(err)
	}
	c := &counting{Storage: f}
	_, err = Open(ctx, c, "the wrong passphrase")
	if !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("a wrong passphrase: %v, want ErrWrongPassphrase", err)
	}
	if c.gets.Load() != 1 || c.last.Load() != ConfigName {
		t.Errorf("a wrong passphrase read %d objects (last %v), want the config alone", c.gets.Load(), c.last.Load())
	}
	if !strings.Contains(err.Error(), "not the passphrase") {
		t.Errorf("the message %q does not say what happened", err)
	}
}

func TestRecoveryKey(t *testing.T) {
	ctx := context.Background()
	f, _ := newFolder(t)
	s, recovery, err := initWith(ctx, f, "the right passphrase", fastKDF, cryptoRand{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "snapshots/a", strings.NewReader("secret"), 6); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenRecovery(ctx, f, strings.ReplaceAll(recovery, "-", " ")); err != nil {
		t.Errorf("the recovery key with spaces: %v", err)
	}
	typo := []byte(recovery)
	if typo[3] == 'A' {
		typo[3] = 'B'
	} else {
		typo[3] = 'A'
	}
	if _, err := OpenRecovery(ctx, f, string(typo)); !errors.Is(err, ErrBadRecoveryKey) {
		t.Errorf("a mistyped recovery key: %v, want ErrBadRecoveryKey", err)
	}
	other := RecoveryKey(bytes.Repeat([]byte{7}, 32))
	if _, err := OpenRecovery(ctx, f, other); !errors.Is(err, ErrWrongRecovery) {
		t.Errorf("another repository's recovery key: %v, want ErrWrongRecovery", err)
	}
}

// An object is bound to its name: one copied under another name does not open, and
// one with a flipped bit does not either.
func TestSealedObjectsBoundAndChecked(t *testing.T) {
	ctx := context.Background()
	f, dir := newFolder(t)
	s, _, err := initWith(ctx, f, "the right passphrase", fastKDF, cryptoRand{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "snapshots/a", strings.NewReader("secret"), 6); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "snapshots", "a"))
	if bytes.Contains(data, []byte("secret")) {
		t.Error("the plain content is in the stored object")
	}
	os.WriteFile(filepath.Join(dir, "snapshots", "b"), data, 0o644)
	if _, err := s.Get(ctx, "snapshots/b"); !errors.Is(err, backup.ErrCorrupt) {
		t.Errorf("an object moved to another name: %v, want ErrCorrupt", err)
	}
	data[len(data)-1] ^= 1
	os.WriteFile(filepath.Join(dir, "snapshots", "c"), data, 0o644)
	if _, err := s.Get(ctx, "snapshots/c"); !errors.Is(err, backup.ErrCorrupt) {
		t.Errorf("a flipped bit: %v, want ErrCorrupt", err)
	}
}

func TestInitTwiceAndPlainOpen(t *testing.T) {
	ctx := context.Background()
	f, _ := newFolder(t)
	if _, err := Open(ctx, f, "whatever passphrase"); !errors.Is(err, ErrNotEncrypted) {
		t.Errorf("opening a plain repository encrypted: %v, want ErrNotEncrypted", err)
	}
	if _, _, err := initWith(ctx, f, "first passphrase", fastKDF, cryptoRand{}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := initWith(ctx, f, "second passphrase", fastKDF, cryptoRand{}); !errors.Is(err, ErrInitialized) {
		t.Errorf("a second init: %v, want ErrInitialized", err)
	}
	if _, _, err := Init(ctx, f, "short"); !errors.Is(err, ErrNoPassphrase) {
		t.Errorf("a short passphrase: %v, want ErrNoPassphrase", err)
	}
}

// A config rewritten on the store (which is not trusted) to ask for more memory or
// passes than a small server has is refused as damaged before any key is derived.
func TestHostileKDFRefused(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		what string
		kdf  KDF
	}{
		{"2 GiB of memory", KDF{Name: "argon2id", Time: 1, Memory: 2 << 20, Threads: 1}},
		{"100 passes", KDF{Name: "argon2id", Time: 100, Memory: 64, Threads: 1}},
	} {
		f, _ := newFolder(t)
		data, _, err := newConfig("a long passphrase", KDF{Name: "argon2id", Time: 1, Memory: 64, Threads: 1}, cryptoRand{})
		if err != nil {
			t.Fatal(err)
		}
		cfg := Config{}
		if err := json.Unmarshal(data, &cfg); err != nil {
			t.Fatal(err)
		}
		salt := cfg.KDF.Salt
		cfg.KDF, cfg.KDF.Salt = tc.kdf, salt
		hostile, _ := json.Marshal(cfg)
		if err := f.Put(ctx, ConfigName, bytes.NewReader(hostile), int64(len(hostile))); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, f, "a long passphrase"); !errors.Is(err, backup.ErrCorrupt) {
			t.Errorf("%s: %v, want it refused as damaged", tc.what, err)
		}
	}
}
