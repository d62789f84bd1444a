package backup

import (
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/zeebo/blake3"
)

// ID names a blob, a pack or a snapshot: the BLAKE3-256 hash of its plain content.
type ID [32]byte

// ErrBadID: the text is not 64 lowercase hex digits.
var ErrBadID = errors.New("not a Hearth backup ID (64 hex digits)")

// Hash returns the ID of data.
func Hash(data []byte) ID { return ID(blake3.Sum256(data)) }

func (id ID) String() string { return hex.EncodeToString(id[:]) }

// Short is the first 8 hex digits, enough for people to tell snapshots apart.
func (id ID) Short() string { return id.String()[:8] }

// IsZero reports whether id is unset.
func (id ID) IsZero() bool { return id == ID{} }

// ParseID reads the hex form of an ID.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 2*len(id) {
		return id, fmt.Errorf("%q: %w", s, ErrBadID)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return id, fmt.Errorf("%q: %w", s, ErrBadID)
		}
	}
	hex.Decode(id[:], []byte(s))
	return id, nil
}

// MarshalText writes the hex form (JSON uses it).
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText reads the hex form.
func (id *ID) UnmarshalText(b []byte) error {
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}
