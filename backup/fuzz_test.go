package backup

import (
	"bytes"
	"testing"
)

// The server decodes trees and packs that PCs send; none may crash it or pass a name
// that would escape the restore folder.
func FuzzDecodeTree(f *testing.F) {
	good, _ := EncodeTree(sampleTree())
	f.Add(good)
	f.Add([]byte(`{"nodes":[{"name":"..","type":"dir"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := DecodeTree(data)
		if err != nil {
			return
		}
		for _, n := range tr.Nodes {
			name := n.FileName()
			if name == "" || name == "." || name == ".." || bytes.ContainsAny([]byte(name), "/\x00") {
				t.Fatalf("unsafe name %q accepted", name)
			}
		}
		again, err := EncodeTree(tr)
		if err != nil {
			t.Fatalf("a decoded tree does not encode: %v", err)
		}
		if _, err := DecodeTree(again); err != nil {
			t.Fatalf("re-encoded tree does not decode: %v", err)
		}
	})
}

func FuzzReadPackIndex(f *testing.F) {
	data, _, _, _ := samplePack(nil)
	f.Add(data)
	f.Add([]byte(packMagic + packMagic))
	c := NewCodec()
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ReadPackIndex(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for _, e := range entries {
			end := int64(e.Offset) + int64(e.Length)
			if end > int64(len(data)) {
				t.Fatalf("entry %+v runs past the pack", e)
			}
			c.Expand(nil, e.ID, e.Enc, data[e.Offset:end], int(e.RawLen))
		}
	})
}

func FuzzDecodeSnapshot(f *testing.F) {
	f.Add([]byte(`{"version":1,"pc":"a","time":"2026-01-01T00:00:00Z","tree":"` + Hash(nil).String() + `"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := DecodeSnapshot(data)
		if err != nil {
			return
		}
		if CheckPCName(s.PC) != nil || s.Tree.IsZero() {
			t.Fatalf("accepted %+v", s)
		}
	})
}
