package pool

import (
	"hash/crc32"

	"github.com/hearth-home/hearth/server/catalog"
)

// Reads are checked block by block, each against its CRC-32C (as btrfs checks each
// sector), so a read at any offset returns only checked bytes; a read from the start to
// the end is also checked against the content's BLAKE3 hash.
const (
	blockShift = 18 // 256 KiB blocks
	blockSize  = 1 << blockShift
)

// crc32c is the Castagnoli table, which the CPU computes in hardware.
var crc32c = crc32.MakeTable(crc32.Castagnoli)

// blockSummer makes the block checksums of a content written to it in order.
type blockSummer struct {
	crcs []uint32
	cur  uint32
	n    int // bytes of the current block so far
}

func (s *blockSummer) Write(b []byte) (int, error) {
	total := len(b)
	for len(b) > 0 {
		k := min(len(b), blockSize-s.n)
		s.cur = crc32.Update(s.cur, crc32c, b[:k])
		s.n += k
		b = b[k:]
		if s.n == blockSize {
			s.crcs = append(s.crcs, s.cur)
			s.cur, s.n = 0, 0
		}
	}
	return total, nil
}

// sums returns the checksums of everything written.
func (s *blockSummer) sums() catalog.BlockSums {
	crcs := s.crcs
	if s.n > 0 {
		crcs = append(crcs[:len(crcs):len(crcs)], s.cur)
	}
	return catalog.BlockSums{Shift: blockShift, CRCs: crcs}
}

// blocksOf is how many blocks a content of size bytes has.
func blocksOf(size int64) int { return int((size + blockSize - 1) >> blockShift) }

// usableSums reports whether sums can check a content of size bytes.
func usableSums(s catalog.BlockSums, size int64) bool {
	return s.Shift == blockShift && len(s.CRCs) == blocksOf(size)
}
