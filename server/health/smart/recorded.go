package smart

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
)

// Recorded is a Reader that serves saved "smartctl -j" outputs instead of running
// smartctl: device /dev/sda is answered from the file sda.json in Files. The exit status
// comes from the output's smartctl.exit_status. It is for tests of callers, and judges a
// recording exactly as Smartctl judges a live run. It is safe for concurrent use when
// Files is.
type Recorded struct {
	Files fs.FS
}

var _ Reader = Recorded{}

// Read returns the recorded report of device, or an error wrapping fs.ErrNotExist when
// there is no recording of it.
func (r Recorded) Read(ctx context.Context, device string) (Report, error) {
	if err := ctx.Err(); err != nil {
		return Report{}, fmt.Errorf("read SMART data of %s: %w", device, err)
	}
	name := path.Base(filepath.ToSlash(device)) + ".json"
	b, err := fs.ReadFile(r.Files, name)
	if err != nil {
		return Report{}, fmt.Errorf("read SMART data of %s: no recording: %w", device, err)
	}
	return interpret(device, b, -1)
}
