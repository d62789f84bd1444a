package pool

import "testing"

// FuzzParseMirror: a drive's pool.json comes from a disk that may have been written by
// anything; parsing must never panic, and an accepted mirror names a pool.
func FuzzParseMirror(f *testing.F) {
	f.Add([]byte(`{"format":1,"pool_id":"p","seq":3,"gen_reserved":4096,"shares":[{"name":"Docs","copies":2}],"drives":[{"id":"d","path":"/mnt/d"}]}`))
	f.Add([]byte(`{"format":2}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseMirror(b)
		if err == nil && (m.PoolID == "" || m.Format != mirrorFormat) {
			t.Fatalf("accepted %+v", m)
		}
	})
}
