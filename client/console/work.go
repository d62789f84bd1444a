package main

import (
	"sync"

	"fyne.io/fyne/v2"
)

// background runs slow work (the network, the disk) away from the window, so the window
// keeps answering. Its results reach the widgets through fyne.Do.
type background struct {
	wg sync.WaitGroup
	// held, in tests, keeps work until wait runs it on the test's goroutine: fyne's test
	// driver runs fyne.Do at once on the goroutine that calls it, so work on goroutines of
	// its own would touch the widgets while the test does.
	held    bool
	pending []func()
	mu      sync.Mutex
	shown   []func() // held: what followers would show, until the test's goroutine does
}

// ui shows what a follower (a goroutine that lives as long as the window) heard: through
// fyne.Do, or, in tests, on the test's goroutine when it calls show.
func (b *background) ui(f func()) {
	if !b.held {
		fyne.Do(f)
		return
	}
	b.mu.Lock()
	b.shown = append(b.shown, f)
	b.mu.Unlock()
}

// show shows, in tests, what the followers heard so far.
func (b *background) show() {
	b.mu.Lock()
	fs := b.shown
	b.shown = nil
	b.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

func (b *background) do(f func()) {
	if b.held {
		b.pending = append(b.pending, f)
		return
	}
	b.wg.Go(f)
}

// wait returns once all work started so far, and the work it started, has ended.
func (b *background) wait() {
	for len(b.pending) > 0 {
		f := b.pending[0]
		b.pending = b.pending[1:]
		f()
	}
	b.wg.Wait()
}
