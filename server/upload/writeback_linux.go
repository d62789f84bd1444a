package upload

import "golang.org/x/sys/unix"

// startWriteback asks the kernel to begin writing n bytes of the file fd at off to the
// disk, without waiting for them (sync_file_range(2), SYNC_FILE_RANGE_WRITE). It promises nothing:
// the fsync before an answer is what makes data durable; this only lets the disk work
// while more data arrives. A failure is left for that fsync to report.
func startWriteback(fd uintptr, off, n int64) {
	unix.SyncFileRange(int(fd), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
