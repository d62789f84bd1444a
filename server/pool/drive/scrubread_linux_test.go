package drive_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearth-home/hearth/server/pool/drive"
	"golang.org/x/sys/unix"
)

// TestDirectReadsWholeFile: a copy switched to direct reads (past the page cache) reads
// back exactly what was written, whatever its size, through an aligned buffer, the way
// a scrub reads it; sizes that are not a multiple of the alignment end short.
func TestDirectReadsWholeFile(t *testing.T) {
	ctx := context.Background()
	d := newLocal(t)
	if err := d.Mkdir(ctx, "S", time.Now(), 1); err != nil {
		t.Fatal(err)
	}
	buf := drive.AlignedBuffer(1 << 20)
	for _, size := range []int{0, 1, drive.DirectAlign, 5000, 3<<20 + 7} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			want := make([]byte, size)
			rng := rand.New(rand.NewPCG(uint64(size), 1))
			for i := range want {
				want[i] = byte(rng.Uint32())
			}
			path := fmt.Sprintf("S/f%d", size)
			pf, err := d.Create(ctx, path, int64(size))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := pf.Write(want); err != nil {
				t.Fatal(err)
			}
			if err := pf.Finish(ctx, time.Now(), drive.Meta{Gen: 2}); err != nil {
				t.Fatal(err)
			}
			if err := pf.Commit(ctx, false); err != nil {
				t.Fatal(err)
			}
			f, err := d.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			df, ok := f.(drive.DirectFile)
			if !ok {
				t.Fatal("a local drive's file cannot read directly")
			}
			if err := df.Direct(); err != nil {
				t.Fatalf("direct reads on the test's filesystem: %v", err)
			}
			if fl, err := unix.FcntlInt(f.(interface{ Fd() uintptr }).Fd(), unix.F_GETFL, 0); err != nil || fl&unix.O_DIRECT == 0 {
				t.Fatalf("after Direct the file's flags are %#x (%v), without O_DIRECT", fl, err)
			}
			var got []byte
			for {
				n, err := f.Read(buf)
				got = append(got, buf[:n]...)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
			}
		})
	}
}

func TestAlignedBuffer(t *testing.T) {
	for _, n := range []int{drive.DirectAlign, 1 << 20} {
		b := drive.AlignedBuffer(n)
		if len(b) != n || cap(b) != n {
			t.Fatalf("AlignedBuffer(%d): len %d cap %d", n, len(b), cap(b))
		}
		if addr := fmt.Sprintf("%p", &b[0]); addr[len(addr)-3:] != "000" {
			t.Fatalf("AlignedBuffer(%d) at %s, not a multiple of %d", n, addr, drive.DirectAlign)
		}
	}
}
