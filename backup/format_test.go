package backup

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, so a change to the stored format is seen: old
// repositories must stay readable.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./backup -update once to make it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s changed: the stored format must stay readable by older and newer versions", name)
	}
}

func samplePack(t *testing.T) ([]byte, ID, []byte, []byte) {
	c := NewCodec()
	text := bytes.Repeat([]byte("the quick brown fox "), 500)
	noise := make([]byte, 3000)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	b := NewPackBuilder()
	for _, plain := range [][]byte{text, noise} {
		stored, enc := c.Compress(nil, plain)
		b.Add(Hash(plain), Data, enc, stored, len(plain))
	}
	data, name := b.Finish()
	return data, name, text, noise
}

// TestOldPackReadable: packs written before the zstd frames lost their own checksum
// (testdata/pack-crc.golden, frames with one) still read and expand.
func TestOldPackReadable(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "pack-crc.golden"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, text, noise := samplePack(t)
	entries, err := ReadPackIndex(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Enc != Zstd {
		t.Fatalf("entries %+v: want the text compressed", entries)
	}
	expandsTo(t, data, entries, text, noise)
}

func TestPackRoundTrip(t *testing.T) {
	data, name, text, noise := samplePack(t)
	golden(t, "pack.golden", data)
	if Hash(data) != name {
		t.Fatal("a pack's name is the hash of its bytes")
	}
	entries, err := ReadPackIndex(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || entries[0].Enc != Zstd || entries[1].Enc != Raw {
		t.Fatalf("entries %+v: want the text compressed and the noise raw", entries)
	}
	expandsTo(t, data, entries, text, noise)
}

func TestPackDamage(t *testing.T) {
	data, _, _, _ := samplePack(t)
	c := NewCodec()
	for _, at := range []int{0, 20, len(data) - 30, len(data) - 1} {
		bad := bytes.Clone(data)
		bad[at] ^= 0x40
		entries, err := ReadPackIndex(bytes.NewReader(bad), int64(len(bad)))
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Errorf("flip at %d: %v, want ErrCorrupt", at, err)
			}
			continue
		}
		damaged := false
		for _, e := range entries {
			if _, err := c.Expand(nil, e.ID, e.Enc, bad[e.Offset:e.Offset+e.Length], int(e.RawLen)); errors.Is(err, ErrCorrupt) {
				damaged = true
			}
		}
		if !damaged {
			t.Errorf("a flipped bit at %d went unnoticed", at)
		}
	}
	if _, err := ReadPackIndex(bytes.NewReader(data[:len(data)-5]), int64(len(data)-5)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("truncated pack: %v", err)
	}
}

func sampleTree() TreeBlob {
	sub := Hash([]byte("sub"))
	n := []Node{
		{Type: Dir, Mode: 0o755 | 1<<31, ModTime: 1700000000123456789, Subtree: &sub},
		{Type: File, Mode: 0o644, ModTime: 1700000000000000000, Size: 5, Inode: 42, Content: []Chunk{{ID: Hash([]byte("hello")), Size: 5}}},
		{Type: Symlink, Mode: 0o777 | 1<<27, Target: "../x"},
		{Type: File, Mode: 0o600},
	}
	n[0].SetName("Fotos 2024")
	n[1].SetName("über.txt")
	n[2].SetName("link")
	n[3].SetName("bad\xffname")
	return TreeBlob{Nodes: n}
}

func TestTreeRoundTrip(t *testing.T) {
	data, err := EncodeTree(sampleTree())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "tree.golden.json", data)
	got, err := DecodeTree(data)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, n := range got.Nodes {
		names = append(names, n.FileName())
	}
	if want := []string{"Fotos 2024", "bad\xffname", "link", "über.txt"}; !equalStrings(names, want) {
		t.Errorf("names %q, want %q (sorted by bytes, invalid UTF-8 kept)", names, want)
	}
	again, _ := EncodeTree(got)
	if !bytes.Equal(again, data) {
		t.Error("encoding is not canonical: the same folder would be stored twice")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTreeRefusesUnsafe(t *testing.T) {
	id := Hash(nil)
	cases := map[string]string{
		"dot-dot":        `{"nodes":[{"name":"..","type":"dir","subtree":"` + id.String() + `"}]}`,
		"slash":          `{"nodes":[{"name":"a/b","type":"file"}]}`,
		"nul":            `{"nodes":[{"name":"a\u0000","type":"file"}]}`,
		"empty":          `{"nodes":[{"name":"","type":"file"}]}`,
		"unsorted":       `{"nodes":[{"name":"b","type":"file"},{"name":"a","type":"file"}]}`,
		"repeated":       `{"nodes":[{"name":"a","type":"file"},{"name":"a","type":"file"}]}`,
		"size mismatch":  `{"nodes":[{"name":"a","type":"file","size":9,"content":[{"id":"` + id.String() + `","size":3}]}]}`,
		"dir no subtree": `{"nodes":[{"name":"a","type":"dir"}]}`,
		"device":         `{"nodes":[{"name":"a","type":"device"}]}`,
		"bad id":         `{"nodes":[{"name":"a","type":"file","size":1,"content":[{"id":"xyz","size":1}]}]}`,
		"raw but utf8":   `{"nodes":[{"raw_name":"YWJj","type":"file"}]}`,
		"not json":       `{"nodes":[`,
	}
	for name, in := range cases {
		if _, err := DecodeTree([]byte(in)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v, want ErrCorrupt", name, err)
		}
	}
}

func TestSnapshotRoundTrip(t *testing.T) {
	s := Snapshot{Version: SnapshotVersion, PC: "Ann's laptop", Time: time.Date(2026, 11, 24, 3, 0, 0, 0, time.UTC), Tree: Hash([]byte("root")), Paths: []string{"/home/ann"}, Files: 3, Bytes: 100}
	data, id, err := EncodeSnapshot(s)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "snapshot.golden.json", data)
	if id != Hash(data) {
		t.Error("a snapshot's ID is the hash of its stored form")
	}
	got, err := DecodeSnapshot(data)
	if err != nil || got.PC != s.PC || !got.Time.Equal(s.Time) || got.Tree != s.Tree {
		t.Fatalf("%+v, %v", got, err)
	}
	for _, pc := range []string{"", "a/b", "..", " pad", "c:d", "tab\there"} {
		s.PC = pc
		if _, _, err := EncodeSnapshot(s); err == nil {
			t.Errorf("PC name %q accepted", pc)
		}
	}
}

// kept runs a policy and returns the times it keeps, oldest first.
func kept(p Policy, cands []Candidate) []time.Time {
	var out []time.Time
	for i, v := range p.Apply(cands, time.UTC) {
		if v.Keep {
			out = append(out, cands[i].Time)
		}
		if v.Why == "" {
			panic("a verdict without a reason")
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

func TestRetention(t *testing.T) {
	day := func(d, h int) time.Time { return time.Date(2026, 1, d, h, 0, 0, 0, time.UTC) }
	home := []string{"/home/ann"}
	// Twice a day for 60 days (January 1 to March 1).
	var twiceDaily []Candidate
	for d := 1; d <= 60; d++ {
		twiceDaily = append(twiceDaily, Candidate{Time: day(d, 3), Paths: home}, Candidate{Time: day(d, 15), Paths: home})
	}
	cases := []struct {
		name   string
		policy Policy
		cands  []Candidate
		want   []time.Time
	}{{
		// Daily: Mar 1, Feb 28, Feb 27 (15:00 each). Weekly (ISO, Monday first): the weeks
		// of Mar 1 (Sun), Feb 22 (Sun) and Feb 15 (Sun). Monthly: March, February, Jan 31.
		name: "days, weeks and months", policy: Policy{Daily: 3, Weekly: 3, Monthly: 3}, cands: twiceDaily,
		want: []time.Time{day(31, 15), day(46, 15), day(53, 15), day(58, 15), day(59, 15), day(60, 15)},
	}, {
		name: "the last five besides", policy: DefaultPolicy, cands: twiceDaily,
		want: []time.Time{day(31, 15), day(46, 15), day(53, 15), day(58, 15), day(59, 3), day(59, 15), day(60, 3), day(60, 15)},
	}, {
		name: "the newest is always kept", policy: Policy{}, cands: twiceDaily, want: []time.Time{day(60, 15)},
	}, {
		// A "Back up now" of other folders, the same day, replaces nothing of the nightly.
		name: "other folders are another group", policy: Policy{Daily: 1},
		cands: []Candidate{{Time: day(5, 3), Paths: []string{"/home/ann", "/srv/photos"}}, {Time: day(5, 9), Paths: []string{"/home/ann/Letters"}},
			{Time: day(4, 3), Paths: []string{"/srv/photos", "/home/ann"}}},
		want: []time.Time{day(5, 3), day(5, 9)},
	}, {
		name: "pinned backups stay", policy: Policy{Last: 1},
		cands: []Candidate{{Time: day(1, 3), Paths: home, Pinned: true}, {Time: day(2, 3), Paths: home}, {Time: day(3, 3), Paths: home}},
		want:  []time.Time{day(1, 3), day(3, 3)},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := kept(c.policy, c.cands); !slices.EqualFunc(got, c.want, time.Time.Equal) {
				t.Errorf("kept %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestPolicyCheck(t *testing.T) {
	if err := DefaultPolicy.Check(); err != nil {
		t.Error(err)
	}
	for _, p := range []Policy{{Last: -1}, {Daily: 1001}, {Monthly: -3}} {
		if p.Check() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}

func TestCompressAndVerify(t *testing.T) {
	c := NewCodec()
	r := rand.New(rand.NewPCG(5, 6))
	noise := make([]byte, 1<<20)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	text := bytes.Repeat([]byte("a family photo album, page after page. "), 30000)
	for name, tc := range map[string]struct {
		plain []byte
		want  Encoding
	}{"noise": {noise, Raw}, "text": {text, Zstd}} {
		stored, enc := c.Compress(nil, tc.plain)
		if enc != tc.want {
			t.Errorf("%s stored as %d, want %d", name, enc, tc.want)
		}
		id := Hash(tc.plain)
		if _, err := c.Verify(nil, id, enc, stored, len(tc.plain)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		bad := bytes.Clone(stored)
		bad[len(bad)/2] ^= 1
		if _, err := c.Verify(nil, id, enc, bad, len(tc.plain)); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s with a flipped bit: %v", name, err)
		}
		got, err := c.Expand(nil, id, enc, stored, len(tc.plain))
		if err != nil || !bytes.Equal(got, tc.plain) {
			t.Errorf("%s does not expand to itself: %v", name, err)
		}
	}
}

// expandsTo checks that the pack's blobs expand to plains, in order.
func expandsTo(t *testing.T, data []byte, entries []Entry, plains ...[]byte) {
	t.Helper()
	c := NewCodec()
	for i, plain := range plains {
		e := entries[i]
		got, err := c.Expand(nil, e.ID, e.Enc, data[e.Offset:e.Offset+e.Length], int(e.RawLen))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("blob %d: %v", i, err)
		}
	}
}
