package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// fileSpec is one file of the generated dataset.
type fileSpec struct {
	Path    string   `json:"path"` // relative, with / separators
	Size    int64    `json:"size"`
	Text    bool     `json:"text"`    // text-like (compressible) rather than random bytes
	Changed bool     `json:"changed"` // has new content in the second PC's copy
	Sum     [32]byte `json:"sum"`     // SHA-256 of the first PC's copy
}

// dataset is the generated data: what the first PC holds, and the second PC's copy with
// a tenth of the files in each class replaced by new content of the same size.
type dataset struct {
	Seed  uint64     `json:"seed"`
	Want  int64      `json:"want"`
	Count int        `json:"count"`
	Bytes int64      `json:"bytes"`
	Files []fileSpec `json:"files"`

	pc1, pc2 string // where the two copies are
}

// class is one kind of file in the mix.
type class struct {
	name, ext         string
	fileShare         float64 // of the files (the small class takes the rest)
	byteShare         float64 // of the bytes
	textShare         float64 // of its files that are text-like
	lowSpan, highSpan float64 // sizes spread from low×mean to high×mean; 0,0: exponential
}

// mix: many small text files, some medium documents (half text, half binary), a few large
// incompressible media files.
var mix = []class{
	{name: "media", ext: "bin", fileShare: 0.0025, byteShare: 0.50, lowSpan: 0.5, highSpan: 1.5},
	{name: "doc", ext: "dat", fileShare: 0.05, byteShare: 0.30, textShare: 0.5, lowSpan: 0.2, highSpan: 1.8},
	{name: "note", ext: "txt", byteShare: 0.20, textShare: 1},
}

// planDataset lays out n files of about total bytes, deterministically from seed.
func planDataset(total int64, n int, seed uint64) *dataset {
	rng := rand.New(rand.NewPCG(seed, 0x6261636b7570))
	perm := rng.Perm(n) // which index gets which class, so big files spread over folders
	ds := &dataset{Seed: seed, Want: total, Count: n, Files: make([]fileSpec, n)}
	next := 0
	for ci, c := range mix {
		count := int(math.Round(c.fileShare * float64(n)))
		if ci == len(mix)-1 {
			count = n - next
		}
		count = max(min(count, n-next), 0)
		if count == 0 && next < n {
			count = 1
		}
		idx := perm[next : next+count]
		next += count
		planClass(ds, c, idx, int64(c.byteShare*float64(total)), rng)
	}
	for _, f := range ds.Files {
		ds.Bytes += f.Size
	}
	return ds
}

// planClass gives the files at idx their names, sizes summing to bytes, and kinds.
func planClass(ds *dataset, c class, idx []int, bytes int64, rng *rand.Rand) {
	if len(idx) == 0 {
		return
	}
	mean := float64(bytes) / float64(len(idx))
	raw := make([]float64, len(idx))
	var sum float64
	for k := range raw {
		if c.lowSpan == 0 && c.highSpan == 0 {
			raw[k] = rng.ExpFloat64()
		} else {
			raw[k] = c.lowSpan + rng.Float64()*(c.highSpan-c.lowSpan)
		}
		sum += raw[k]
	}
	scale := mean * float64(len(idx)) / sum
	changed := rng.Perm(len(idx))
	for k, i := range idx {
		f := &ds.Files[i]
		f.Size = max(int64(raw[k]*scale), 64)
		f.Text = rng.Float64() < c.textShare
		ext := c.ext
		if f.Text {
			ext = "txt"
		}
		dir := i / 100
		f.Path = fmt.Sprintf("t%02d/d%02d/%s-%05d.%s", dir/20, dir%20, c.name, i, ext)
		// A tenth of each class, chosen at random, differs on the second PC.
		f.Changed = changed[k] < (len(idx)+5)/10
	}
}

// write makes both copies of the dataset under dir, recording each file's checksum,
// until stop says to stop.
func (ds *dataset) write(dir string, stop func() bool) error {
	ds.pc1, ds.pc2 = filepath.Join(dir, "pc1", "data"), filepath.Join(dir, "pc2", "data")
	vocab := makeVocab(ds.Seed)
	jobs := make(chan int)
	errs := make(chan error, 2*len(ds.Files))
	var wg sync.WaitGroup
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if stop() {
					errs <- errors.New("stopped")
					continue
				}
				errs <- ds.writeFile(i, vocab)
			}
		}()
	}
	for i := range ds.Files {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes file i to both copies.
func (ds *dataset) writeFile(i int, vocab []string) error {
	f := &ds.Files[i]
	sum, err := writeContent(filepath.Join(ds.pc1, f.Path), f, ds.content(i, 0, vocab))
	if err != nil {
		return err
	}
	f.Sum = sum
	variant := uint64(0)
	if f.Changed {
		variant = 1
	}
	_, err = writeContent(filepath.Join(ds.pc2, f.Path), f, ds.content(i, variant, vocab))
	return err
}

// content returns the bytes of file i in the given variant (0: first PC, 1: replaced).
func (ds *dataset) content(i int, variant uint64, vocab []string) io.Reader {
	f := ds.Files[i]
	if !f.Text {
		var key [32]byte
		binary.LittleEndian.PutUint64(key[0:], ds.Seed)
		binary.LittleEndian.PutUint64(key[8:], uint64(i))
		binary.LittleEndian.PutUint64(key[16:], variant)
		return io.LimitReader(rand.NewChaCha8(key), f.Size)
	}
	rng := rand.New(rand.NewPCG(ds.Seed^uint64(i)<<1, variant+7))
	return io.LimitReader(&textReader{rng: rng, zipf: rand.NewZipf(rng, 1.1, 4, uint64(len(vocab)-1)), vocab: vocab}, f.Size)
}

func writeContent(path string, f *fileSpec, r io.Reader) ([32]byte, error) {
	var sum [32]byte
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return sum, err
	}
	out, err := os.Create(path)
	if err != nil {
		return sum, err
	}
	h := sha256.New()
	w := bufio.NewWriterSize(io.MultiWriter(out, h), 1<<20)
	n, err := io.Copy(w, r)
	if err == nil {
		err = w.Flush()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != f.Size {
		err = fmt.Errorf("%s: wrote %d bytes, want %d", path, n, f.Size)
	}
	copy(sum[:], h.Sum(nil))
	return sum, err
}

// textReader is an endless stream of words, drawn with a Zipf law like real prose, in
// lines of a dozen words or so: text that compresses about as well as documents do.
type textReader struct {
	rng   *rand.Rand
	zipf  *rand.Zipf
	vocab []string
	line  []byte
	off   int
}

func (t *textReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if t.off == len(t.line) {
			t.fill()
		}
		c := copy(p[n:], t.line[t.off:])
		t.off += c
		n += c
	}
	return n, nil
}

func (t *textReader) fill() {
	t.line, t.off = t.line[:0], 0
	words := 6 + t.rng.IntN(12)
	for w := range words {
		if w > 0 {
			t.line = append(t.line, ' ')
		}
		if t.rng.IntN(40) == 0 {
			t.line = fmt.Appendf(t.line, "%d", t.rng.IntN(100000))
			continue
		}
		t.line = append(t.line, t.vocab[t.zipf.Uint64()]...)
	}
	t.line = append(t.line, ".\n"...)
}

// makeVocab makes 8192 made-up words of 2 to 11 letters.
func makeVocab(seed uint64) []string {
	rng := rand.New(rand.NewPCG(seed, 42))
	words := make([]string, 8192)
	for i := range words {
		b := make([]byte, 2+rng.IntN(10))
		for j := range b {
			b[j] = byte('a' + rng.IntN(26))
		}
		words[i] = string(b)
	}
	return words
}

// loadOrMakeDataset reuses a dataset already generated in dir with the same parameters,
// or generates it.
func loadOrMakeDataset(dir string, total int64, n int, seed uint64, stop func() bool) (*dataset, error) {
	stamp := filepath.Join(dir, "dataset.json")
	if b, err := os.ReadFile(stamp); err == nil {
		var old dataset
		if json.Unmarshal(b, &old) == nil && old.Seed == seed && old.Want == total && old.Count == n {
			old.pc1, old.pc2 = filepath.Join(dir, "pc1", "data"), filepath.Join(dir, "pc2", "data")
			return &old, nil
		}
	}
	os.RemoveAll(filepath.Join(dir, "pc1"))
	os.RemoveAll(filepath.Join(dir, "pc2"))
	ds := planDataset(total, n, seed)
	if err := ds.write(dir, stop); err != nil {
		return nil, err
	}
	b, err := json.Marshal(ds)
	if err != nil {
		return nil, err
	}
	return ds, os.WriteFile(stamp, b, 0o644)
}

// stats sums the files and bytes of each kind.
func (ds *dataset) stats() (textFiles, binFiles int, textBytes, binBytes, changedBytes int64) {
	for _, f := range ds.Files {
		if f.Text {
			textFiles++
			textBytes += f.Size
		} else {
			binFiles++
			binBytes += f.Size
		}
		if f.Changed {
			changedBytes += f.Size
		}
	}
	return
}
