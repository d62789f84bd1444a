package backup

import (
	"bytes"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"testing"
)

func chunksOf(t *testing.T, data []byte) []ID {
	t.Helper()
	c := NewChunker(bytes.NewReader(data))
	var ids []ID
	var total int
	for {
		b, err := c.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > ChunkMax {
			t.Fatalf("chunk of %d bytes is over the maximum", len(b))
		}
		total += len(b)
		ids = append(ids, Hash(b))
	}
	if total != len(data) {
		t.Fatalf("chunks hold %d bytes of %d", total, len(data))
	}
	return ids
}

// An edit in the middle of a large file changes only the chunks around it: that is what
// lets the next backup send a few megabytes instead of the whole file.
func TestChunkerEditIsLocal(t *testing.T) {
	data := make([]byte, 64<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i+8 <= len(data); i += 8 {
		binary.LittleEndian.PutUint64(data[i:], r.Uint64())
	}
	before := chunksOf(t, data)
	if n := len(before); n < 32 || n > 128 {
		t.Fatalf("%d chunks for 64 MiB; want about 64 (1 MiB on average)", n)
	}
	edited := bytes.Clone(data[:32<<20])
	edited = append(edited, []byte("inserted text")...)
	edited = append(edited, data[32<<20:]...)
	after := chunksOf(t, edited)
	old := map[ID]bool{}
	for _, id := range before {
		old[id] = true
	}
	changed := 0
	for _, id := range after {
		if !old[id] {
			changed++
		}
	}
	if changed > 2 {
		t.Errorf("an insertion changed %d chunks; want at most 2", changed)
	}
	if got := chunksOf(t, nil); len(got) != 0 {
		t.Errorf("an empty file has %d chunks", len(got))
	}
}
