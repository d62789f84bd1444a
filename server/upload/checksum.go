package upload

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"net/http"
	"strings"

	tusd "github.com/tus/tusd/v2/pkg/handler"
)

// The tus checksum extension, which tusd lacks: a request's Upload-Checksum header
// ("sha1 <base64 of the digest>") covers its body, and a chunk that does not match is
// thrown away whole (460), leaving the offset where it was. The handler reads the
// header and the store checks the data as it writes it.

// algorithms are the checksums taken, as the extension names them.
var algorithms = map[string]func() hash.Hash{"md5": md5.New, "sha1": sha1.New, "sha256": sha256.New, "sha512": sha512.New}

// checksumAlgorithms is the Tus-Checksum-Algorithm header.
const checksumAlgorithms = "md5,sha1,sha256,sha512"

// ErrChecksum answers a chunk whose data does not match its checksum.
var ErrChecksum = tusd.NewError(ownCode+"checksum_mismatch",
	"The data arrived damaged (it does not match its checksum) and was not kept; send it again.", 460)

type checksum struct {
	alg  func() hash.Hash
	want []byte
}

func (c *checksum) matches(h hash.Hash) bool { return bytes.Equal(h.Sum(nil), c.want) }

// parseChecksum reads an Upload-Checksum header.
func parseChecksum(v string) (*checksum, error) {
	name, b64, ok := strings.Cut(strings.TrimSpace(v), " ")
	alg := algorithms[strings.ToLower(name)]
	want, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if !ok || alg == nil || err != nil || len(want) != alg().Size() {
		return nil, refusal(http.StatusBadRequest, "bad_checksum",
			"Upload-Checksum is an algorithm ("+checksumAlgorithms+") and the data's digest in base64, such as \"sha1 Kq5sNclPz7QV2+lfQIuc6R7oRu0=\".")
	}
	return &checksum{alg: alg, want: want}, nil
}

type checksumKey struct{}

func withChecksum(ctx context.Context, c *checksum) context.Context {
	return context.WithValue(ctx, checksumKey{}, c)
}

// checksumOf is the checksum the request's data must match, nil when it sent none.
// tusd hands the store a context carrying the request's values.
func checksumOf(ctx context.Context) *checksum {
	c, _ := ctx.Value(checksumKey{}).(*checksum)
	return c
}
