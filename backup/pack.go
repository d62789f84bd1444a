package backup

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
)

// A pack file holds many blobs. Layout (all integers little-endian):
//
//	header   "HEARTHP1"
//	blobs    stored forms, back to back
//	index    one 48-byte Entry per blob, in file order
//	footer   count u32 | first 8 bytes of BLAKE3(index) | "HEARTHP1"
//
// A pack's name is the BLAKE3 hash of the whole file.
const (
	packMagic    = "HEARTHP1"
	entrySize    = 48
	footerSize   = 4 + 8 + 8
	headerSize   = len(packMagic)
	maxPackBlobs = 1 << 20
)

// PackTarget is the size a pack is closed before passing (unless one blob is larger):
// large enough that a family's terabytes are
// tens of thousands of files, small enough that an interrupted upload loses little.
const PackTarget = 16 << 20

// Entry locates one blob in its pack.
type Entry struct {
	ID     ID
	Kind   Kind
	Enc    Encoding
	Offset uint32 // of the stored form, from the start of the pack
	Length uint32 // of the stored form
	RawLen uint32 // of the plain blob
}

// PackBuilder collects blobs into a pack in memory.
type PackBuilder struct {
	buf     bytes.Buffer
	entries []Entry
	plain   int64
}

// NewPackBuilder starts an empty pack.
func NewPackBuilder() *PackBuilder { return NewPackBuilderBuf(nil) }

// NewPackBuilderBuf starts an empty pack in buf's memory (a finished pack's, once sent),
// so packs are not grown afresh each time; nil allocates room for a full pack.
func NewPackBuilderBuf(buf []byte) *PackBuilder {
	if cap(buf) == 0 {
		// Packs are closed before a blob would take them past PackTarget; the rest is
		// room for the index.
		buf = make([]byte, 0, PackTarget+1<<20)
	}
	b := &PackBuilder{buf: *bytes.NewBuffer(buf[:0])}
	b.buf.WriteString(packMagic)
	return b
}

// Add appends a blob in its stored form.
func (b *PackBuilder) Add(id ID, kind Kind, enc Encoding, stored []byte, rawLen int) {
	b.entries = append(b.entries, Entry{ID: id, Kind: kind, Enc: enc, Offset: uint32(b.buf.Len()), Length: uint32(len(stored)), RawLen: uint32(rawLen)})
	b.buf.Write(stored)
	b.plain += int64(rawLen)
}

// Size is the stored bytes so far.
func (b *PackBuilder) Size() int { return b.buf.Len() }

// Len is the number of blobs so far.
func (b *PackBuilder) Len() int { return len(b.entries) }

// Entries are the blobs added so far.
func (b *PackBuilder) Entries() []Entry { return b.entries }

// Finish appends the index and footer and returns the pack and its name. The builder
// must not be used afterwards.
func (b *PackBuilder) Finish() ([]byte, ID) {
	index := make([]byte, 0, len(b.entries)*entrySize)
	for _, e := range b.entries {
		index = appendEntry(index, e)
	}
	b.buf.Write(index)
	sum := Hash(index)
	var foot [footerSize]byte
	binary.LittleEndian.PutUint32(foot[0:], uint32(len(b.entries)))
	copy(foot[4:], sum[:8])
	copy(foot[12:], packMagic)
	b.buf.Write(foot[:])
	data := b.buf.Bytes()
	return data, Hash(data)
}

func appendEntry(dst []byte, e Entry) []byte {
	dst = append(dst, e.ID[:]...)
	dst = append(dst, byte(e.Kind), byte(e.Enc), 0, 0)
	dst = binary.LittleEndian.AppendUint32(dst, e.Offset)
	dst = binary.LittleEndian.AppendUint32(dst, e.Length)
	return binary.LittleEndian.AppendUint32(dst, e.RawLen)
}

// ReadPackIndex reads and checks the index of a pack of the given size.
func ReadPackIndex(r io.ReaderAt, size int64) ([]Entry, error) {
	if size < int64(headerSize+footerSize) {
		return nil, fmt.Errorf("pack: %w: only %d bytes", ErrCorrupt, size)
	}
	var head [headerSize]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return nil, fmt.Errorf("pack header: %w", err)
	}
	var foot [footerSize]byte
	if _, err := r.ReadAt(foot[:], size-footerSize); err != nil {
		return nil, fmt.Errorf("pack footer: %w", err)
	}
	if string(head[:]) != packMagic || string(foot[12:]) != packMagic {
		return nil, fmt.Errorf("pack: %w: not a Hearth pack", ErrCorrupt)
	}
	n := int64(binary.LittleEndian.Uint32(foot[0:]))
	indexAt := size - footerSize - n*entrySize
	if n > maxPackBlobs || indexAt < int64(headerSize) {
		return nil, fmt.Errorf("pack: %w: index of %d blobs does not fit", ErrCorrupt, n)
	}
	index := make([]byte, n*entrySize)
	if _, err := r.ReadAt(index, indexAt); err != nil {
		return nil, fmt.Errorf("pack index: %w", err)
	}
	if sum := Hash(index); !bytes.Equal(sum[:8], foot[4:12]) {
		return nil, fmt.Errorf("pack: %w: index checksum", ErrCorrupt)
	}
	return parseIndex(index, indexAt)
}

// parseIndex decodes index entries and checks that each blob lies between the header and
// the index, in order and without overlap.
func parseIndex(index []byte, indexAt int64) ([]Entry, error) {
	entries := make([]Entry, 0, len(index)/entrySize)
	next := int64(headerSize)
	for off := 0; off+entrySize <= len(index); off += entrySize {
		b := index[off : off+entrySize]
		var e Entry
		copy(e.ID[:], b[:32])
		e.Kind, e.Enc = Kind(b[32]), Encoding(b[33])
		e.Offset = binary.LittleEndian.Uint32(b[36:])
		e.Length = binary.LittleEndian.Uint32(b[40:])
		e.RawLen = binary.LittleEndian.Uint32(b[44:])
		switch {
		case e.Kind != Data && e.Kind != Tree, e.Enc != Raw && e.Enc != Zstd:
			return nil, fmt.Errorf("pack: %w: blob %d has an unknown kind or encoding", ErrCorrupt, len(entries))
		case int64(e.Offset) != next, int64(e.Offset)+int64(e.Length) > indexAt, e.RawLen > MaxBlob:
			return nil, fmt.Errorf("pack: %w: blob %d lies outside its place", ErrCorrupt, len(entries))
		case e.Enc == Raw && e.Length != e.RawLen:
			return nil, fmt.Errorf("pack: %w: raw blob %d has two lengths", ErrCorrupt, len(entries))
		}
		next = int64(e.Offset) + int64(e.Length)
		entries = append(entries, e)
	}
	if next != indexAt {
		return nil, fmt.Errorf("pack: %w: unaccounted bytes before the index", ErrCorrupt)
	}
	return entries, nil
}
