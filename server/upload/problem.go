package upload

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	tusd "github.com/tus/tusd/v2/pkg/handler"

	"github.com/hearth-home/hearth/server/api/problem"
)

// problemWriter answers tusd's failures, which it writes as plain text ("ERR_X: words"),
// in the API's one error shape, with the status tusd chose and Hearth's code and words.
// Successful answers pass through untouched.
type problemWriter struct {
	http.ResponseWriter
	log    *slog.Logger
	r      *http.Request
	status int    // a failure's status, answered by finish
	body   []byte // tusd's text for it
	passed bool   // a success's header went out
}

func (p *problemWriter) WriteHeader(code int) {
	if code >= 400 && !p.passed {
		p.status = code
		return
	}
	p.passed = true
	p.ResponseWriter.WriteHeader(code)
}

func (p *problemWriter) Write(b []byte) (int, error) {
	if p.status != 0 {
		if len(p.body) < 4096 {
			p.body = append(p.body, b[:min(len(b), 4096-len(p.body))]...)
		}
		return len(b), nil
	}
	p.passed = true
	return p.ResponseWriter.Write(b)
}

// Unwrap lets tusd's http.ResponseController reach the connection (read deadlines).
func (p *problemWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// refuse answers err (a tusd.Error) without tusd.
func (p *problemWriter) refuse(err error) {
	if e, ok := errors.AsType[tusd.Error](err); ok {
		p.status, p.body = e.HTTPResponse.StatusCode, []byte(e.ErrorCode+": "+e.Message)
		return
	}
	p.status, p.body = http.StatusInternalServerError, []byte(err.Error())
}

func (p *problemWriter) finish() {
	if p.status == 0 {
		return
	}
	code, msg := words(p.status, string(p.body))
	if code == problem.CodeInternal {
		p.log.Error("an upload request failed", "method", p.r.Method, "path", p.r.URL.Path, "status", p.status, "err", strings.TrimSpace(string(p.body)))
	}
	h := p.Header()
	h.Del("Content-Length")
	problem.Reply(p.ResponseWriter, p.status, code, msg)
}

// tusWords are tusd's failures in the API's codes and a person's words.
var tusWords = map[string][2]string{
	"ERR_UPLOAD_NOT_FOUND":    {"no_upload", "There is no such upload, or it is not yours. An upload that makes no progress for a day is removed; start it again."},
	"ERR_MISMATCHED_OFFSET":   {"offset_mismatch", "The upload is not at that offset. Ask for its offset (HEAD) and go on from there."},
	"ERR_UNSUPPORTED_VERSION": {"tus_version", "Uploads speak the tus protocol: send Tus-Resumable: 1.0.0."},
	"ERR_INVALID_CONTENT_TYPE": {"bad_type",
		"Send the upload's data with Content-Type: application/offset+octet-stream."},
	"ERR_INVALID_UPLOAD_LENGTH":       {"bad_upload", lengthWords},
	"ERR_INVALID_OFFSET":              {"bad_upload", lengthWords},
	"ERR_AMBIGUOUS_UPLOAD_LENGTH":     {"bad_upload", lengthWords},
	"ERR_INVALID_UPLOAD_LENGTH_DEFER": {"bad_upload", lengthWords},
	"ERR_UPLOAD_SIZE_EXCEEDED":        {"too_large", "That is more data than the upload's length."},
	"ERR_MAX_SIZE_EXCEEDED":           {"too_large", "That is more data than the upload's length."},
	"ERR_UPLOAD_LOCKED":               {"busy", busyWords},
	"ERR_LOCK_TIMEOUT":                {"busy", busyWords},
	"ERR_UPLOAD_INTERRUPTED":          {"busy", busyWords},
	"ERR_NOT_IMPLEMENTED":             {"not_supported", partsWords},
	"ERR_CONCATENATION_UNSUPPORTED":   {"not_supported", partsWords},
	"ERR_INVALID_CONCAT":              {"not_supported", partsWords},
	"ERR_SERVER_SHUTDOWN":             {"stopping", "The server is stopping; the upload goes on from where it was when the server is back."},
	"ERR_READ_TIMEOUT":                {"cut_short", cutWords},
	"ERR_CONNECTION_RESET":            {"cut_short", cutWords},
	"ERR_UNEXPECTED_EOF":              {"cut_short", cutWords},
}

const (
	lengthWords = "Say the upload's length (Upload-Length) when it begins, and its offset (Upload-Offset) with each piece of data, as whole numbers."
	busyWords   = "Another request is working on this upload; ask for its offset in a moment and go on."
	partsWords  = "The server takes an upload whose length is said when it begins, in one piece; not in parts or of unknown length."
	cutWords    = "The data stopped arriving; ask for the upload's offset and go on from there."
)

// words picks the code and words for a failure tusd answered with status and text.
func words(status int, text string) (code, msg string) {
	tusCode, rest, _ := strings.Cut(strings.TrimSpace(text), ": ")
	if c, ok := strings.CutPrefix(tusCode, ownCode); ok {
		return c, rest
	}
	if w, ok := tusWords[tusCode]; ok {
		return w[0], w[1]
	}
	switch {
	case status == http.StatusNotFound: // a HEAD's answer has no text
		return tusWords["ERR_UPLOAD_NOT_FOUND"][0], tusWords["ERR_UPLOAD_NOT_FOUND"][1]
	case status >= 500:
		return problem.CodeInternal, problem.Internal
	}
	return problem.CodeBadRequest, "The server could not use that upload request."
}
