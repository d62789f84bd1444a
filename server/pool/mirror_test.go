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

// TestMirrorTokensKeepTheirPC: a token's PC goes onto the drives and comes back; a token
// from a mirror written before tokens had one acts for no PC until the rebuilt index has
// shown whether a PC backs up under its label (catalog.Tx.BindTokensByLabel).
func TestMirrorTokensKeepTheirPC(t *testing.T) {
	m, err := parseMirror([]byte(`{"format":1,"pool_id":"p","people":{"tokens":[
		{"id":"a","user":"ann","label":"ann-pc"},
		{"id":"b","user":"ann","label":"phone","pc":""},
		{"id":"c","user":"ann","label":"Ann's laptop","pc":"Ann's laptop"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	people, unbound := m.People.catalog()
	if len(unbound) != 1 || unbound[0] != "a" {
		t.Errorf("tokens from before tokens had a PC: %v, want [a]", unbound)
	}
	back, _ := peopleToMirror(people).catalog()
	for i, want := range []string{"", "", "Ann's laptop"} {
		if got := back.Tokens[i].PC; got != want {
			t.Errorf("token %s: PC %q, want %q", back.Tokens[i].ID, got, want)
		}
	}
}
