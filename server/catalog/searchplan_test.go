package catalog

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// A long query looked up by its rare trigrams and checked afterwards finds exactly what
// the whole phrase finds: case and accents folded as the tokenizer folds them (a name
// with an accent is left to the index), in the same order, within the same limits.
func TestFindNarrowed(t *testing.T) {
	c, _ := open(t)
	// Enough names for the common trigrams' lists to fill pages of the index.
	tree := []string{"Docs/", "Docs/a/", "Photos/", "Photos/b/"}
	for i := range 3000 {
		tree = append(tree, fmt.Sprintf("Photos/IMG_%04d.JPG", i), fmt.Sprintf("Docs/a/img_%04d.jpg", i))
	}
	tree = append(tree,
		"Photos/b/IMG_0042.JPG", "Photos/b/xIMG_0042.JPG.bak", "Photos/b/IMG_0042.JPEG", "Photos/b/IMG_0420.JPG",
		"Photos/b/ÎMG_0042.JPG", "Photos/b/IMG_0042.JPG é", "Docs/img_0042.jpg", "Docs/IMG_0042.JPG/", "Docs/IMG 0042.JPG",
		"Docs/Img_0042.Jpg.txt", "Docs/a/ＩMG_0042.JPG")
	putTree(t, c, tree)
	queries := []string{"IMG_0042.JPG", "img_0042.jpg", "iMg_0042.JpG", "IMG_0042", "MG_0042.JP", "IMG_0042.JPG.bak",
		"G_0042.JPG é", "ÎMG_0042.JPG", "IMG_0420.JPG", "IMG_0099.JPG", `IMG_0042"JPG`}
	shares := [][]string{{"Docs", "Photos"}, {"Docs"}, {"Photos"}}

	// Some of them are narrowed, with a trigram rare when its list fills no page whole.
	c.rarePages = 1
	narrowed := 0
	err := c.View(context.Background(), func(tx *Tx) error {
		s, err := tx.newSearch(context.Background(), shares[0])
		for _, q := range queries {
			part, perr := s.rarePart(context.Background(), "/"+q)
			if perr != nil {
				return perr
			}
			if part != "" {
				narrowed++
			}
		}
		return err
	})
	if err != nil || narrowed < 5 {
		t.Fatalf("%d queries narrowed (%v), want 5 or more", narrowed, err)
	}

	type result struct {
		Found []string
		Match map[string][]string
	}
	run := func(rare int) result {
		c.rarePages = rare
		r := result{Match: map[string][]string{}}
		for _, q := range queries {
			for _, sh := range shares {
				for _, limit := range []int{1, 3, 50} {
					r.Found = append(r.Found, fmt.Sprint(q, sh, limit, find(t, c, q, sh, limit)))
				}
			}
			// The passes of a search, cut at a limit in the middle of the candidates.
			err := c.View(context.Background(), func(tx *Tx) error {
				s, err := tx.newSearch(context.Background(), shares[0])
				if err != nil {
					return err
				}
				for _, text := range []string{"/" + q, "/" + q + "/", q} {
					for _, limit := range []int{1, 2, 5, 500} {
						hs, all, err := s.match(context.Background(), text, limit)
						if err != nil {
							return err
						}
						k := fmt.Sprint(text, limit, all)
						for _, h := range hs {
							r.Match[k] = append(r.Match[k], h.path)
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	whole, parts := run(0), run(1)
	if diff := cmp.Diff(whole, parts); diff != "" {
		t.Errorf("narrowed searches differ (-whole phrase +rare part):\n%s", diff)
	}
	want := []string{"Docs/a/img_0042.jpg", "Docs/img_0042.jpg", "Docs/IMG_0042.JPG", "Photos/IMG_0042.JPG",
		"Photos/b/IMG_0042.JPG", "Photos/b/ÎMG_0042.JPG"}
	if diff := cmp.Diff(want, whole.Match["/IMG_0042.JPG/500 true"]); diff != "" {
		t.Errorf("whole names IMG_0042.JPG (-want +got):\n%s", diff)
	}
}
