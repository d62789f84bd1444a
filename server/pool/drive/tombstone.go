package drive

import (
	"bytes"
	"strconv"
	"time"

	"github.com/hearth-home/hearth/server/pool/safepath"
)

// FormatTombstone renders one log line. Paths cannot hold a tab or newline (safepath
// refuses control characters), so the format needs no escaping.
func FormatTombstone(t Tombstone) []byte {
	b := strconv.AppendUint(nil, t.Gen, 10)
	b = append(b, '\t')
	b = strconv.AppendInt(b, t.At.UnixNano(), 10)
	b = append(b, '\t')
	b = append(b, t.Path...)
	if t.To != "" {
		b = append(b, '\t')
		b = append(b, t.To...)
		b = append(b, '\t')
		b = strconv.AppendUint(b, t.FromGen, 10)
	}
	return append(b, '\n')
}

// ParseTombstones reads a log. The file comes from a disk that may have been written by a
// crashing process or another machine, so every line is checked and a bad one dropped; a
// dropped tombstone can at worst bring a deleted file back, never lose one.
func ParseTombstones(b []byte) []Tombstone {
	var out []Tombstone
	for len(b) > 0 {
		line, rest, complete := bytes.Cut(b, []byte{'\n'})
		b = rest
		if !complete {
			break // torn last line
		}
		if t, ok := parseTombstone(line); ok {
			out = append(out, t)
		}
	}
	return out
}

func parseTombstone(line []byte) (Tombstone, bool) {
	genS, rest, ok1 := bytes.Cut(line, []byte{'\t'})
	atS, path, ok2 := bytes.Cut(rest, []byte{'\t'})
	if !ok1 || !ok2 {
		return Tombstone{}, false
	}
	path, rest, moved := bytes.Cut(path, []byte{'\t'})
	gen, err1 := strconv.ParseUint(string(genS), 10, 64)
	at, err2 := strconv.ParseInt(string(atS), 10, 64)
	if err1 != nil || err2 != nil || !clean(path) {
		return Tombstone{}, false
	}
	t := Tombstone{Gen: gen, At: time.Unix(0, at), Path: string(path)}
	if moved {
		to, fromS, ok := bytes.Cut(rest, []byte{'\t'})
		from, err := strconv.ParseUint(string(fromS), 10, 64)
		if !ok || err != nil || !clean(to) {
			return Tombstone{}, false
		}
		t.To, t.FromGen = string(to), from
	}
	return t, true
}

func clean(p []byte) bool {
	c, err := safepath.Clean(string(p))
	return err == nil && c == string(p)
}
