package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
)

// keep saves what window w shows as name among the test's artifacts: make test keeps
// them in build/screenshots, one picture of each page and dialog a person meets, to
// look at beside the golden images that fail a test when a page changes.
func keep(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	save(t, name, c.Capture())
}

func save(t *testing.T, name string, img image.Image) {
	t.Helper()
	f, err := os.Create(filepath.Join(t.ArtifactDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}
