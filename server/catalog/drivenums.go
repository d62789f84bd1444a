package catalog

import (
	"context"
	"fmt"
	"sync"
)

// maxDrives is how many drives a pool can hold: each has a bit in a 63-bit set.
const maxDrives = 63

// driveNums maps drive ids to their bit numbers. It is loaded from the drives table when
// first needed and forgotten whenever the table changes.
type driveNums struct {
	mu  sync.Mutex
	num map[string]uint
	id  map[uint]string
}

func (d *driveNums) forget() {
	d.mu.Lock()
	d.num, d.id = nil, nil
	d.mu.Unlock()
}

// nums returns the mapping, reading it through tx (which sees its own changes).
func (tx *Tx) nums(ctx context.Context) (map[string]uint, map[uint]string, error) {
	d := &tx.c.drive
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.num != nil {
		return d.num, d.id, nil
	}
	rows, err := tx.q.QueryContext(ctx, "SELECT id, num FROM drives")
	if err != nil {
		return nil, nil, fmt.Errorf("read drive numbers: %w", err)
	}
	defer rows.Close()
	num, id := map[string]uint{}, map[uint]string{}
	for rows.Next() {
		var s string
		var n uint
		if err := rows.Scan(&s, &n); err != nil {
			return nil, nil, err
		}
		num[s], id[n] = n, s
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	d.num, d.id = num, id
	return num, id, nil
}

// mask turns drive ids into a bit set. An id the catalog does not know is an error:
// a copy on it could never be found again.
func (tx *Tx) mask(ctx context.Context, ids []string) (int64, error) {
	num, _, err := tx.nums(ctx)
	if err != nil {
		return 0, err
	}
	var m int64
	for _, s := range ids {
		n, ok := num[s]
		if !ok {
			// The cache may predate the drive (filled by a reader that raced its
			// addition): read the table once more before giving up.
			tx.c.drive.forget()
			if num, _, err = tx.nums(ctx); err != nil {
				return 0, err
			}
			if n, ok = num[s]; !ok {
				return 0, fmt.Errorf("drive %s is not in the catalog", s)
			}
		}
		m |= 1 << n
	}
	return m, nil
}

// bit is the mask of one drive.
func (tx *Tx) bit(ctx context.Context, id string) (int64, error) {
	return tx.mask(ctx, []string{id})
}

// drivesOf turns a bit set into drive ids, in bit order.
func drivesOf(m int64, id map[uint]string) []string {
	var out []string
	for n := uint(0); m != 0 && n < maxDrives; n++ {
		if m&(1<<n) != 0 {
			if s, ok := id[n]; ok {
				out = append(out, s)
			}
			m &^= 1 << n
		}
	}
	return out
}

// freeNum is the lowest bit number no drive uses.
func freeNum(num map[string]uint) (uint, error) {
	used := map[uint]bool{}
	for _, n := range num {
		used[n] = true
	}
	for n := uint(0); n < maxDrives; n++ {
		if !used[n] {
			return n, nil
		}
	}
	return 0, fmt.Errorf("a pool holds at most %d drives; remove one first", maxDrives)
}
