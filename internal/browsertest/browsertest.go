// Package browsertest runs a real Chromium (Debian's chromium, driven over the DevTools
// protocol by chromedp) for tests where a browser is the user or the attacker.
package browsertest

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"os"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearth-home/hearth/internal/testenv"
)

// Browser is one headless Chromium with its own empty profile.
type Browser struct {
	ctx context.Context
}

// New starts a Chromium for the test, stopped when it ends. trust are certificates the
// browser accepts as the server's (their public keys are pinned with
// --ignore-certificate-errors-spki-list, so every other certificate error still fails).
func New(t testing.TB, trust ...*x509.Certificate) *Browser {
	t.Helper()
	exe := testenv.NeedTool(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	if len(trust) > 0 {
		var pins string
		for i, c := range trust {
			sum := sha256.Sum256(c.RawSubjectPublicKeyInfo)
			if i > 0 {
				pins += ","
			}
			pins += base64.StdEncoding.EncodeToString(sum[:])
		}
		opts = append(opts, chromedp.Flag("ignore-certificate-errors-spki-list", pins))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start it now without a time limit (a limit on the first call would stop the whole
	// browser when it ends), so a browser that cannot start fails here.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return &Browser{ctx: ctx}
}

// Do runs steps in the browser's tab, within a minute.
func (b *Browser) Do(steps ...chromedp.Action[chromedp.Void]) error {
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	return chromedp.Do(ctx, steps...)
}

// Run runs one action that gives a value (chromedp.Evaluate, chromedp.Text…) in b's tab,
// within a minute.
func Run[T any](b *Browser, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// Listen has fn told of the tab's events (requests, console messages…) for as long as
// the browser lives; fn must return fast (see chromedp.Listen).
func (b *Browser) Listen(fn func(ev any)) error {
	return chromedp.Listen(b.ctx, fn)
}
