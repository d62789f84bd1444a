package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// Settle waits until the page has loaded and cond (a JavaScript expression) holds. A
// page still navigating (a form's redirect) stops a check midway; it is asked again.
func (b *Browser) Settle(cond string) error {
	var err error
	for range 20 {
		err = b.Do(chromedp.Poll[chromedp.Void](`document.readyState === "complete" && (` + cond + `)`))
		if err == nil || !navigating(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("waiting for %s: %w", cond, err)
	}
	return nil
}

// navigating reports whether err says the page went away under a check.
func navigating(err error) bool {
	for _, s := range []string{"navigated or closed", "context was destroyed", "Cannot find context"} {
		if strings.Contains(err.Error(), s) {
			return true
		}
	}
	return false
}

// Download clicks the element at selector, which downloads a file, into dir and returns
// the file's bytes once the browser says the download is complete.
func (b *Browser) Download(dir, selector string) ([]byte, error) {
	var file string
	err := b.Do(chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		done := make(chan string, 1)
		lctx, stop := context.WithCancel(ctx)
		defer stop()
		if err := chromedp.ListenBrowser(lctx, func(ev any) {
			if e, ok := ev.(*browser.EventDownloadProgress); ok && e.State == browser.DownloadProgressStateCompleted {
				select {
				case done <- e.GUID:
				default:
				}
			}
		}); err != nil {
			return err
		}
		on := true
		if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &on}); err != nil {
			return err
		}
		if err := chromedp.Do(ctx, chromedp.Click(selector)); err != nil {
			return err
		}
		select {
		case guid := <-done:
			file = filepath.Join(dir, guid)
			return nil
		case <-ctx.Done():
			return fmt.Errorf("the download of %s did not finish: %w", selector, ctx.Err())
		}
	}))
	if err != nil {
		return nil, err
	}
	return os.ReadFile(file)
}
