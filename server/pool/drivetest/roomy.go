package drivetest

import (
	"context"

	"github.com/hearth-home/hearth/server/pool/drive"
)

// Roomy wraps a drive whose folder sits on a shared filesystem (a test's temporary
// folder on the host's disk) so that it reports as much free space again as that
// filesystem's size. Every byte written still shows in Free, but how full the host's
// disk happens to be never raises "the server is getting full" in a test that is not
// about space. Tests about space use a disk of their own or Faulty.SetFree.
type Roomy struct{ drive.Drive }

// Unwrap returns the real drive.
func (r Roomy) Unwrap() drive.Drive { return r.Drive }

func (r Roomy) Usage(ctx context.Context) (drive.Usage, error) {
	u, err := r.Drive.Usage(ctx)
	if err != nil {
		return u, err
	}
	return drive.Usage{Total: 2 * u.Total, Free: u.Free + u.Total}, nil
}

// CreateDirect passes the real drive's copy past the page cache on, so a test pool
// writes as a real one does.
func (r Roomy) CreateDirect(ctx context.Context, path string, sizeHint int64) (drive.Pending, error) {
	if dc, ok := r.Drive.(drive.DirectCreator); ok {
		return dc.CreateDirect(ctx, path, sizeHint)
	}
	return r.Drive.Create(ctx, path, sizeHint)
}
