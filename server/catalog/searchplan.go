package catalog

import (
	"context"
	"fmt"
	"slices"
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
//
// How common a trigram is comes from the FTS index's own table of contents: names_fts_idx
// holds, for each page of each segment of the index, the first term starting on it
// (prefixed by '0', the main index) and the page (times two, plus a flag). The pages
// between a term's and the next term's are its list: a couple of lookups each, where
// counting the list's names would read thousands (4 ms for a long query). This reads
// SQLite's storage format of FTS5, which SQLite keeps compatible; were it ever read
// wrong, the estimate would be wrong and a search slower, never its results different.

// rarePages is the default for Catalog.rarePages: a trigram whose list fills fewer pages
// than this whole is rare (a page holds the numbers of a thousand names or more).
const rarePages = 3

// narrowMax is how many names holding the rare part of a phrase a search reads to check
// them, at most: each is a look-up in entries.
const narrowMax = 200

// narrowFrom is the shortest phrase worth estimating: with fewer trigrams, reading the
// whole lists costs little more.
const narrowFrom = 8

// pagesOf estimates how many pages of the FTS index each term's list fills whole (pages
// no term starts on), summed over the index's segments (found one after the other
// through the primary key); %s is the terms, as VALUES rows (number, '0' || term). Where
// no term follows one in a segment, its list runs to that segment's last page. Pages
// shared with other terms are left out: a rare term is in many segments, each a page it
// shares, and the sum must not make it look common.
const pagesOf = `WITH RECURSIVE seg(id) AS (
		SELECT (SELECT segid FROM names_fts_idx ORDER BY segid LIMIT 1)
		UNION ALL
		SELECT (SELECT segid FROM names_fts_idx WHERE segid > seg.id ORDER BY segid LIMIT 1) FROM seg WHERE seg.id IS NOT NULL),
	terms(i, key) AS (VALUES %s)
	SELECT terms.i, sum(max(0,
		coalesce((SELECT pgno FROM names_fts_idx WHERE segid = seg.id AND term > terms.key ORDER BY term LIMIT 1),
			(SELECT pgno FROM names_fts_idx WHERE segid = seg.id ORDER BY term DESC LIMIT 1) + 2) / 2
		- coalesce((SELECT pgno FROM names_fts_idx WHERE segid = seg.id AND term <= terms.key ORDER BY term DESC LIMIT 1), 0) / 2
		- 1))
	FROM terms JOIN seg ON seg.id IS NOT NULL GROUP BY terms.i`

// search is one Find: the shares' ranges, and how common each trigram read so far is.
type search struct {
	tx     *Tx
	spans  []span
	rare   int            // Catalog.rarePages
	counts map[string]int // trigram (folded) -> the pages its list fills (pagesOf)
}

func (tx *Tx) newSearch(ctx context.Context, shares []string) (*search, error) {
	spans, err := tx.shareSpans(ctx, shares)
	if err != nil {
		return nil, err
	}
	return &search{tx: tx, spans: spans, rare: tx.c.rarePages, counts: map[string]int{}}, nil
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

// matchNarrowed is match for one share through part of text (rarePart): it reads the
// paths of the names holding part, in the order of their numbers, and keeps those
// holding text. done is false when
// more than narrowMax names hold part (then many of them hold text too, and the whole
// phrase finds them quickly), or a name read is not plain ASCII.
func (s *search) matchNarrowed(ctx context.Context, text, part string, sp span, limit int) (hits []hit, done bool, err error) {
	// Counted first from the FTS index alone: a hundredth of reading them.
	var n int
	err = s.tx.q.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM names_fts
		WHERE names_fts MATCH ? AND rowid BETWEEN ? AND ? LIMIT ?)`, phrase(part), sp.lo, sp.hi, narrowMax+1).Scan(&n)
	if err != nil || n > narrowMax {
		return nil, false, err
	}
	cands, err := s.tx.findMatch(ctx, phrase(part), sp, narrowMax+1)
	if err != nil || len(cands) > narrowMax { // more were added since the count
		return nil, false, err
	}
	want := foldASCII(text)
	for _, h := range cands {
		name := h.path[strings.LastIndexByte(h.path, '/')+1:]
		if !plainASCII(name) {
			return nil, false, nil
		}
		if strings.Contains(foldASCII("//"+name+"/"), want) {
			if hits = append(hits, h); len(hits) == limit {
				break // the first ones in order are all read
			}
		}
	}
	return hits, true, nil
}

// rarePart returns the longest run of text's trigrams that are all rare, as text, when
// text is plain ASCII, long enough, and has common trigrams outside that run; else "".
// Of runs as long, the one in the fewest pages comes first.
func (s *search) rarePart(ctx context.Context, text string) (string, error) {
	if s.rare <= 0 || len(text) < narrowFrom || !plainASCII(text) {
		return "", nil
	}
	folded := foldASCII(text)
	if err := s.countPages(ctx, folded); err != nil {
		return "", err
	}
	counts := make([]int, len(folded)-2)
	for i := range counts {
		counts[i] = s.counts[folded[i:i+3]]
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

// countPages estimates, in one statement, the pages of the trigrams of folded not
// estimated yet (pagesOf); none where the index is empty.
func (s *search) countPages(ctx context.Context, folded string) error {
	var tris []string
	var args []any
	for i := 0; i+3 <= len(folded); i++ {
		if tri := folded[i : i+3]; !slices.Contains(tris, tri) {
			if _, ok := s.counts[tri]; !ok {
				args = append(args, len(tris), []byte("0"+tri))
				tris = append(tris, tri)
				s.counts[tri] = 0
			}
		}
	}
	if len(tris) == 0 {
		return nil
	}
	values := strings.Repeat("(?, ?), ", len(tris))
	rows, err := s.tx.q.QueryContext(ctx, fmt.Sprintf(pagesOf, values[:len(values)-2]), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var i, n int
		if err := rows.Scan(&i, &n); err != nil {
			return err
		}
		s.counts[tris[i]] = n
	}
	return rows.Err()
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
