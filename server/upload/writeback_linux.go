package upload

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to begin writing n bytes of f at off to the disk, without
// waiting for them (sync_file_range(2) with SYNC_FILE_RANGE_WRITE). It promises nothing:
// the fsync before an answer is what makes data durable; this only lets the disk work
// while more data arrives. A failure is left for that fsync to report.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
