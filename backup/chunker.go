package backup

import (
	"io"

	chunkers "github.com/PlakarKorp/go-cdc-chunkers"
	_ "github.com/PlakarKorp/go-cdc-chunkers/chunkers/fastcdc" // registers the algorithm
)

// Chunk sizes: content-defined cut points with about 1 MiB pieces. A small edit changes
// one or two pieces, and a terabyte is about a million blobs. They are part of the format:
// other sizes would cut the same files differently and store them twice.
const (
	ChunkMin    = 512 << 10
	ChunkAvg    = 1 << 20
	ChunkMax    = 8 << 20
	chunkerAlgo = "fastcdc-v1.0.0" // the library's plain "fastcdc" ignores the average size
)

// Chunker cuts a stream into content-defined chunks. The slices it returns are valid
// until the next call.
type Chunker struct{ c *chunkers.Chunker }

// NewChunker returns a chunker with its own buffer, reading r. The buffer holds two
// largest chunks: with one, the library moves the unread rest down after nearly every
// chunk.
func NewChunker(r io.Reader) *Chunker {
	c, err := chunkers.NewChunkerBuffer(chunkerAlgo, r, &chunkers.ChunkerOpts{MinSize: ChunkMin, NormalSize: ChunkAvg, MaxSize: ChunkMax}, make([]byte, 2*ChunkMax))
	if err != nil {
		panic(err) // the options are constants the library accepts
	}
	return &Chunker{c: c}
}

// Reset starts on a new stream, keeping the buffer.
func (c *Chunker) Reset(r io.Reader) { c.c.Reset(r) }

// Next returns the next chunk, or io.EOF after the last one. An empty stream has no
// chunks.
func (c *Chunker) Next() ([]byte, error) {
	for {
		b, err := c.c.Next()
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(b) > 0 {
			// The library returns the last chunk together with io.EOF; hand it out first
			// and report the end on the next call.
			return b, nil
		}
		if err == io.EOF {
			return nil, io.EOF
		}
	}
}
