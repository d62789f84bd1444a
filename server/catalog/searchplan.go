package catalog

import (
	"context"
	"strings"
)

// A long phrase of common trigrams is slow to match: FTS5 reads the list of every one of
// its trigrams (IMG_04242.JPG: "img", ".jp" and "jpg" are in most of a family's names).
// A search then asks the index for the part of the phrase made of rare trigrams only
// ("04242"), which finds every name the whole phrase finds and a few more, and keeps the
// names that hold the whole phrase. It checks that itself, in plain ASCII only, where the
// trigram tokenizer's folding is exactly A-Z to a-z: when the phrase or a name read is
// anything else, it asks the index for the whole phrase as before. So the results are
// the same either way.

// rareTrigram is the default for Catalog.rareTrigram: a trigram in fewer names than this
// is rare. Telling costs reading up to that many numbers of each trigram's list.
const rareTrigram = 4096

// narrowMax is how many names holding the rare part of a phrase a search reads to check
// them, at most: each is a look-up in entries.
const narrowMax = 200

// narrowFrom is the shortest phrase worth the probes: with fewer trigrams, reading the
// whole lists costs less than asking how long they are.
const narrowFrom = 8

// search is one Find: the shares' ranges, and how common each trigram read so far is.
type search struct {
	tx     *Tx
	spans  []span
	rare   int            // Catalog.rareTrigram
	counts map[string]int // trigram (folded) -> its names, up to rare
}

func (tx *Tx) newSearch(ctx context.Context, shares []string) (*search, error) {
	spans, err := tx.shareSpans(ctx, shares)
	if err != nil {
		return nil, err
	}
	return &search{tx: tx, spans: spans, rare: tx.c.rareTrigram, counts: map[string]int{}}, nil
}

// phrase quotes text as an FTS5 phrase; a quote inside is doubled.
func phrase(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// match returns up to limit entries of each share whose indexed names hold text, in the
// order of their numbers; all tells that no share had more.
func (s *search) match(ctx context.Context, text string, limit int) (hits []hit, all bool, err error) {
	part, err := s.rarePart(ctx, text)
	if err != nil {
		return nil, false, err
	}
	all = true
	for _, sp := range s.spans {
		var hs []hit
		done := false
		if part != "" {
			if hs, done, err = s.matchNarrowed(ctx, text, part, sp, limit); err != nil {
				return nil, false, err
			}
		}
		if !done {
			if hs, err = s.tx.findMatch(ctx, phrase(text), sp, limit); err != nil {
				return nil, false, err
			}
		}
		all = all && len(hs) < limit
		hits = append(hits, hs...)
	}
	return hits, all, nil
}

// matchNarrowed is match for one share through part of text (rarePart): it reads every
// name holding part, in the order of their numbers, and keeps those holding text. done
// is false when more than narrowMax names hold part (then many of them hold text too,
// and the whole phrase finds them quickly), or a name read is not plain ASCII.
func (s *search) matchNarrowed(ctx context.Context, text, part string, sp span, limit int) (hits []hit, done bool, err error) {
	var n int
	err = s.tx.q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM names_fts
		WHERE names_fts MATCH ? AND rowid BETWEEN ? AND ? LIMIT ?)`, phrase(part), sp.lo, sp.hi, narrowMax+1).Scan(&n)
	if err != nil || n > narrowMax {
		return nil, false, err
	}
	want := foldASCII(text)
	done = true
	err = s.tx.eachMatch(ctx, phrase(part), sp, 0, func(h hit) bool {
		name := h.Path[strings.LastIndexByte(h.Path, '/')+1:]
		if !plainASCII(name) {
			done = false
			return false
		}
		if strings.Contains(foldASCII("//"+name+"/"), want) {
			hits = append(hits, h)
		}
		return len(hits) < limit
	})
	if err != nil || !done {
		return nil, false, err
	}
	return hits, true, nil
}

// rarePart returns the longest run of text's trigrams that are all rare, as text, when
// text is plain ASCII, long enough, and has common trigrams outside that run; else "".
// Of runs as long, the one in the fewest names comes first.
func (s *search) rarePart(ctx context.Context, text string) (string, error) {
	if s.rare <= 0 || len(text) < narrowFrom || !plainASCII(text) {
		return "", nil
	}
	folded := foldASCII(text)
	counts := make([]int, len(folded)-2)
	for i := range counts {
		tri := folded[i : i+3]
		n, ok := s.counts[tri]
		if !ok {
			err := s.tx.q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM names_fts
				WHERE names_fts MATCH ? LIMIT ?)`, phrase(tri), s.rare).Scan(&n)
			if err != nil {
				return "", err
			}
			s.counts[tri] = n
		}
		counts[i] = n
	}
	bestAt, bestLen, bestSum := 0, 0, 0
	for i := 0; i < len(counts); {
		if counts[i] >= s.rare {
			i++
			continue
		}
		j, sum := i, 0
		for ; j < len(counts) && counts[j] < s.rare; j++ {
			sum += counts[j]
		}
		if j-i > bestLen || (j-i == bestLen && sum < bestSum) {
			bestAt, bestLen, bestSum = i, j-i, sum
		}
		i = j
	}
	if bestLen == 0 || bestLen == len(counts) {
		return "", nil // all common, or all rare: the whole phrase is as quick
	}
	return text[bestAt : bestAt+bestLen+2], nil
}

// plainASCII tells whether s is ASCII without NUL (which the tokenizer drops).
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 || s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// foldASCII folds ASCII as the trigram tokenizer does: A-Z to a-z, nothing else.
func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
