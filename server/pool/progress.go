package pool

import (
	"context"
	"sync/atomic"
)

// Progress counts how far a long piece of work (a scrub, a repair pass, a drive's
// removal) has come, for a person watching it. The work finds it in its context
// (WithProgress), so callers that do not watch pass nothing.
type Progress struct {
	filesDone, bytesDone, filesTotal, bytesTotal atomic.Int64
}

// ProgressCounts is a reading of a Progress. A total is 0 when not known yet.
type ProgressCounts struct {
	FilesDone, FilesTotal int64
	BytesDone, BytesTotal int64
}

// Counts reads the progress now.
func (pr *Progress) Counts() ProgressCounts {
	return ProgressCounts{FilesDone: pr.filesDone.Load(), FilesTotal: pr.filesTotal.Load(),
		BytesDone: pr.bytesDone.Load(), BytesTotal: pr.bytesTotal.Load()}
}

type progressKey struct{}

// WithProgress returns a context whose scrub, repair or drive removal counts into pr.
func WithProgress(ctx context.Context, pr *Progress) context.Context {
	return context.WithValue(ctx, progressKey{}, pr)
}

// progressOf is the context's Progress, or one nobody reads.
func progressOf(ctx context.Context) *Progress {
	if pr, ok := ctx.Value(progressKey{}).(*Progress); ok {
		return pr
	}
	return &Progress{}
}

func (pr *Progress) total(files, bytes int64) {
	pr.filesTotal.Store(files)
	pr.bytesTotal.Store(bytes)
}

func (pr *Progress) done(files, bytes int64) {
	pr.filesDone.Add(files)
	pr.bytesDone.Add(bytes)
}
