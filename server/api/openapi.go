package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/hearth-home/hearth/server/api/schema"
)

// The OpenAPI 3.1 document at /api/v1/openapi.json is made from the table below and the
// Go types the handlers send and take, so it cannot drift in its shapes; a test checks
// that its calls are the ones the handlers serve, both ways.

// Content that is not JSON.
type (
	octets      struct{} // application/octet-stream
	eventStream struct{} // text/event-stream of schema.Health
	tusChunk    struct{} // application/offset+octet-stream: a piece of a tus upload
)

// Who may make a call, as the document says it.
const (
	whoAnyone   = "anyone signed in (password, session or device token)"
	whoPassword = "anyone signed in with a password or session, not a device token"
	whoAdmin    = "administrators signed in with a password or session; never a device token"
	whoPC       = "the PC's owner or an administrator; a device token only for its own PC"
	whoLetGo    = "the PC's owner or an administrator, signed in with a password or session"
	whoUploader = "anyone signed in (a device token acts with its user's access) with full access to the folder the file goes in"
	whoUpload   = "the upload's owner alone (to anyone else there is no such upload)"
)

type op struct {
	method, path, summary, who string
	req                        any // nil: no body
	status                     int // on success
	resp                       any // nil: no body
}

var ops = []op{
	{"GET", "/api/v1/me", "The signed-in user and the shares they may open.", whoAnyone, nil, 200, schema.Me{}},
	{"GET", "/api/v1/server", "What any signed-in user may know of the server.", whoAnyone, nil, 200, schema.Server{}},
	{"GET", "/api/v1/openapi.json", "This document.", whoAnyone, nil, 200, map[string]any{}},
	{"POST", "/api/v1/devices", "Join a PC or phone: it gets a device token of its own (shown once).", whoPassword, schema.NewDevice{}, 201, schema.Device{}},
	{"GET", "/api/v1/devices", "The caller's devices; an administrator's lists everyone's.", whoAnyone, nil, 200, []schema.Device{}},
	{"DELETE", "/api/v1/devices/{id}", "Remove a device; a device token may remove only its own device.", whoAnyone, nil, 204, nil},
	{"POST", "/api/v1/links", "Make a sharing link to a file or folder for someone without an account: read-only (read access needed) or upload-only (full access needed), with an optional password and expiry. Its address is in this answer alone.", whoPassword, schema.NewLink{}, 201, schema.Link{}},
	{"GET", "/api/v1/links", "The caller's sharing links; an administrator's lists everyone's.", whoAnyone, nil, 200, []schema.Link{}},
	{"DELETE", "/api/v1/links/{id}", "Take a sharing link back: it stops working at once. Its owner or an administrator.", whoAnyone, nil, 204, nil},
	{"GET", "/api/v1/files/search", "Find files and folders by part of their names, in the shared folders the caller may read; ?q= what to look for (one or two characters find names starting with them), ?limit= (1 to 500, 50).", whoAnyone, nil, 200, schema.SearchResults{}},

	{"GET", "/api/v1/users", "Every user.", whoAdmin, nil, 200, []schema.User{}},
	{"POST", "/api/v1/users", "Add a user, with a shared folder of their own and access to the family's shares.", whoAdmin, schema.NewUser{}, 201, schema.User{}},
	{"DELETE", "/api/v1/users/{name}", "Remove a user, their devices and access; their own shared folder and its files stay.", whoAdmin, nil, 200, schema.Done{}},
	{"PUT", "/api/v1/users/{name}/password", "Set a user's password; their sign-ins with the old one end.", whoAdmin, schema.NewPassword{}, 204, nil},
	{"PUT", "/api/v1/users/{name}/admin", "Make a user an administrator (with full access to every share), or not; the last administrator stays one.", whoAdmin, schema.AdminFlag{}, 204, nil},
	{"GET", "/api/v1/shares", "Every shared folder, with its size and duplication.", whoAdmin, nil, 200, []schema.ShareDetail{}},
	{"POST", "/api/v1/shares", "Add a shared folder; administrators get full access, others none until given.", whoAdmin, schema.NewShare{}, 201, schema.ShareDetail{}},
	{"PATCH", "/api/v1/shares/{name}", "Change a shared folder's description, duplication, or whether it is streamed to the TVs of the house.", whoAdmin, schema.ShareChange{}, 200, schema.ShareDetail{}},
	{"GET", "/api/v1/access", "Every user's access to every shared folder.", whoAdmin, nil, 200, []schema.AccessEntry{}},
	{"PUT", "/api/v1/shares/{share}/access/{user}", "Set a user's access to a shared folder.", whoAdmin, schema.AccessLevel{}, 204, nil},
	{"GET", "/api/v1/drives", "The pool's drives.", whoAdmin, nil, 200, []schema.Drive{}},
	{"POST", "/api/v1/drives", "Add a folder on the server (normally a whole disk) to the pool.", whoAdmin, schema.NewDrive{}, 201, schema.Drive{}},
	{"DELETE", "/api/v1/drives/{label}", "Start moving a drive's files to the others, then removing it; GET /api/v1/jobs follows it. ?force=true accepts single copies, or gives up files only a missing drive held.", whoAdmin, nil, 202, schema.Job{}},
	{"GET", "/api/v1/disks", "The mounted file systems that could join the pool, and the disks nothing uses.", whoAdmin, nil, 200, schema.Candidates{}},
	{"GET", "/api/v1/pool", "The pool at a glance.", whoAdmin, nil, 200, schema.PoolStatus{}},
	{"POST", "/api/v1/pool/scrub", "Start reading every copy of every file and checking it; GET /api/v1/jobs follows it.", whoAdmin, nil, 202, schema.Job{}},
	{"POST", "/api/v1/pool/repair", "Start restoring duplication and mending damaged copies; GET /api/v1/jobs follows it.", whoAdmin, nil, 202, schema.Job{}},
	{"GET", "/api/v1/jobs", "The scrubs, repairs and drive removals running and lately done, newest first, with their progress.", whoAdmin, nil, 200, []schema.Job{}},
	{"GET", "/api/v1/events", "The event log, newest first; ?kind= keeps kinds starting with it, ?limit= (1 to 1000, 100).", whoAdmin, nil, 200, []schema.Event{}},
	{"DELETE", "/api/v1/shares/{name}", "Remove a shared folder: no one can open it; its files are kept 30 days, when it can be brought back.", whoAdmin, nil, 204, nil},
	{"GET", "/api/v1/removed-shares", "The shared folders removed and kept.", whoAdmin, nil, 200, []schema.RemovedShare{}},
	{"POST", "/api/v1/removed-shares/{name}/restore", "Bring a removed shared folder back, with its files and who could open it.", whoAdmin, nil, 204, nil},
	{"DELETE", "/api/v1/removed-shares/{name}", "Delete a removed shared folder and its files for good now.", whoAdmin, nil, 204, nil},
	{"GET", "/api/v1/settings", "The server's settings.", whoAdmin, nil, 200, schema.Settings{}},
	{"PUT", "/api/v1/settings", "Replace the server's settings (all of them); they hold at once.", whoAdmin, schema.Settings{}, 200, schema.Settings{}},
	{"POST", "/api/v1/server/restart", "Restart the server (when a service manager starts it again); it answers first.", whoAdmin, nil, 202, nil},
	{"POST", "/api/v1/server/shutdown", "Stop the server until the machine starts again; it answers first.", whoAdmin, nil, 202, nil},

	{"GET", "/api/v1/backup/pcs", "The PCs that back up here whose backups the caller may see (an administrator's: all).", whoAnyone, nil, 200, []schema.BackupPC{}},
	{"POST", "/api/v1/backup/pcs/{pc}/sessions", "Start a backup of a PC.", whoPC, schema.NewBackupSession{}, 201, schema.BackupSession{}},
	{"GET", "/api/v1/backup/pcs/{pc}/snapshots", "A PC's backups.", whoPC, nil, 200, []schema.Snapshot{}},
	{"GET", "/api/v1/backup/pcs/{pc}/snapshots/{id}", "One backup's description (its tree's root and paths).", whoPC, nil, 200, map[string]any{}},
	{"DELETE", "/api/v1/backup/pcs/{pc}/snapshots/{id}", "Let a backup go now; it can be brought back for the grace period.", whoLetGo, nil, 204, nil},
	{"POST", "/api/v1/backup/pcs/{pc}/snapshots/{id}/undelete", "Bring back a backup let go less than the grace period ago; it is kept (pinned).", whoPC, nil, 200, schema.BackupID{}},
	{"GET", "/api/v1/backup/pcs/{pc}/deleted", "A PC's backups let go that can still be brought back.", whoPC, nil, 200, []schema.DeletedSnapshot{}},
	{"PUT", "/api/v1/backup/pcs/{pc}/snapshots/{id}/pin", "Keep this backup whatever the retention rule says.", whoPC, nil, 204, nil},
	{"DELETE", "/api/v1/backup/pcs/{pc}/snapshots/{id}/pin", "Let the retention rule judge this backup again.", whoLetGo, nil, 204, nil},
	{"GET", "/api/v1/backup/pcs/{pc}/blobs/{id}", "One piece of a backup as stored.", whoPC, nil, 200, octets{}},
	{"POST", "/api/v1/backup/pcs/{pc}/blobs", "Many pieces of a backup as stored (32-byte IDs in, records out).", whoPC, octets{}, 200, octets{}},
	{"PUT", "/api/v1/backup/pcs/{pc}/keep", "Set a PC's retention rule; keeping fewer needs the owner's password or an administrator.", whoPC, schema.Retention{}, 200, schema.Retention{}},
	{"POST", "/api/v1/backup/cleanup", "Run the nightly cleanup now: retention, then freeing unused space.", whoAdmin, nil, 200, schema.Cleanup{}},
	{"POST", "/api/v1/backup/sessions/{s}/missing", "Which of these pieces (32-byte IDs) the server lacks.", whoPC, octets{}, 200, octets{}},
	{"PUT", "/api/v1/backup/sessions/{s}/packs/{id}", "Send a pack of pieces.", whoPC, octets{}, 204, nil},
	{"POST", "/api/v1/backup/sessions/{s}/commit", "Finish a backup with its description; 409 with the missing pieces if any.", whoPC, map[string]any{}, 201, schema.Snapshot{}},
	{"POST", "/api/v1/backup/sessions/{s}/alive", "Keep a long backup's session open.", whoPC, nil, 204, nil},
	{"DELETE", "/api/v1/backup/sessions/{s}", "End a backup session without a backup.", whoPC, nil, 204, nil},

	{"GET", "/api/v1/health", "The house at a glance as the caller may see it: alerts, drives, PCs.", whoAnyone, nil, 200, schema.Health{}},
	{"GET", "/api/v1/health/stream", "The same as server-sent events (event: health), at once and at every change.", whoAnyone, nil, 200, eventStream{}},
	{"PUT", "/api/v1/health/pcs/{pc}", "A PC reports its own health; a device token only for its own PC.", whoPC, schema.PCReport{}, 204, nil},
	{"POST", "/api/v1/health/evacuate", "Do what a failing drive's alert offers: move its files off and remove it.", whoAdmin, map[string]any{"drive": "", "force": false}, 200, map[string]string{}},

	{"OPTIONS", "/api/v1/uploads", "What the upload service speaks (tus discovery): Tus-Version, Tus-Extension and Tus-Checksum-Algorithm.", whoAnyone, nil, 204, nil},
	{"POST", "/api/v1/joincodes", "Make a one-time join code: typed into the connector within the hour, it stands for the server's fingerprint and the password (body optional; an administrator may name another user).", whoPassword, schema.NewJoinCode{}, 201, schema.JoinCode{}},
	{"POST", "/api/v1/join", "Join a PC with a join code instead of a password: Authorization: Join <the code's first eight characters>, sent only once the server's authority matched the code; the body and answer are those of POST /api/v1/devices. Good once, within its hour.", "anyone holding a join code (no other sign-in)", schema.NewDevice{}, 201, schema.Device{}},
	{"POST", "/api/v1/uploads", "Begin a resumable upload (tus 1.0.0: core, creation, termination, checksum; no size cap): Tus-Resumable: 1.0.0, Upload-Length, and Upload-Metadata with folder (\"Share/path\"), filename (may hold a path below folder, whose folders are made) and optionally mtime (milliseconds since 1970). Answered 201 with the upload's Location.", whoUploader, nil, 201, nil},
	{"HEAD", "/api/v1/uploads/{id}", "How much of an upload the server holds (Upload-Offset, Upload-Length): go on from there.", whoUpload, nil, 200, nil},
	{"PATCH", "/api/v1/uploads/{id}", "Send the next piece of an upload at Upload-Offset, optionally with Upload-Checksum (md5, sha1, sha256, sha512; a mismatch is 460 and nothing is kept). It is on the disk before the answer; after the last byte the file is written into the shared folder (duplicated as the folder is), a file already there kept as a previous version.", whoUpload, tusChunk{}, 204, nil},
	{"DELETE", "/api/v1/uploads/{id}", "Give up an upload and remove what it sent (tus termination). Uploads without progress for a day are removed by themselves.", whoUpload, nil, 204, nil},
}

// Patterns lists the documented calls as "METHOD /path" patterns.
func Patterns() []string {
	out := make([]string, len(ops))
	for i, o := range ops {
		out[i] = o.method + " " + o.path
	}
	return out
}

var openAPIDoc = sync.OnceValue(func() []byte {
	b, err := json.MarshalIndent(document(), "", "  ")
	if err != nil {
		panic(err) // the document is made of maps and strings
	}
	return b
})

func openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc())
}

type obj = map[string]any

func document() obj {
	comps := obj{"Problem": nil}
	g := gen{comps: comps}
	comps["Problem"] = g.schemaOf(reflect.TypeFor[schema.Problem]())
	problemRef := obj{"$ref": "#/components/schemas/Problem"}
	errResp := func(what string) obj {
		return obj{"description": what, "content": obj{"application/json": obj{"schema": problemRef}}}
	}
	paths := obj{}
	for _, o := range ops {
		item, _ := paths[o.path].(obj)
		if item == nil {
			item = obj{}
			paths[o.path] = item
		}
		op := obj{"summary": o.summary, "x-permission": o.who, "operationId": operationID(o)}
		var params []obj
		for _, seg := range strings.Split(o.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, obj{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": obj{"type": "string"}})
			}
		}
		if params != nil {
			op["parameters"] = params
		}
		if o.req != nil {
			op["requestBody"] = obj{"required": true, "content": g.content(o.req)}
		}
		ok := obj{"description": "Done."}
		if o.resp != nil {
			ok["content"] = g.content(o.resp)
		}
		op["responses"] = obj{
			itoa(o.status): ok,
			"401":          obj{"description": "Not signed in (a text body and a WWW-Authenticate challenge)."},
			"403":          errResp("The caller may not make this call."),
			"default":      errResp("Anything else that went wrong, in plain words."),
		}
		item[strings.ToLower(o.method)] = op
	}
	return obj{
		"openapi": "3.1.0",
		"info": obj{"title": "Hearth", "version": "1",
			"description": "The JSON API of a Hearth home server. Every failure is answered with the Problem shape: a sentence for a person and a stable code. Requests that change something carry Content-Type: application/json (or, for backup pieces, application/octet-stream)."},
		"paths":      paths,
		"components": obj{"schemas": comps, "securitySchemes": obj{"password": obj{"type": "http", "scheme": "basic"}, "deviceToken": obj{"type": "http", "scheme": "bearer"}, "session": obj{"type": "apiKey", "in": "cookie", "name": "__Host-hearth_session"}}},
		"security":   []obj{{"password": []string{}}, {"deviceToken": []string{}}, {"session": []string{}}},
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func operationID(o op) string {
	id := strings.ToLower(o.method)
	for _, seg := range strings.Split(strings.TrimPrefix(o.path, "/api/v1/"), "/") {
		seg = strings.Trim(seg, "{}")
		for _, part := range strings.FieldsFunc(seg, func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
			id += strings.ToUpper(part[:1]) + part[1:]
		}
	}
	return id
}

// gen makes JSON schemas of Go types, named struct types as components.
type gen struct{ comps obj }

func (g gen) content(v any) obj {
	switch v.(type) {
	case octets:
		return obj{"application/octet-stream": obj{"schema": obj{"type": "string", "contentEncoding": "binary"}}}
	case tusChunk:
		return obj{"application/offset+octet-stream": obj{"schema": obj{"type": "string", "contentEncoding": "binary"}}}
	case eventStream:
		return obj{"text/event-stream": obj{"schema": obj{"type": "string", "description": "event: health, data: a Health object"}}}
	}
	return obj{"application/json": obj{"schema": g.schemaOf(reflect.TypeOf(v))}}
}

func (g gen) schemaOf(t reflect.Type) obj {
	if t == reflect.TypeFor[time.Time]() {
		return obj{"type": "string", "format": "date-time"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		return g.schemaOf(t.Elem())
	case reflect.String:
		return obj{"type": "string"}
	case reflect.Bool:
		return obj{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return obj{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return obj{"type": "number"}
	case reflect.Slice, reflect.Array:
		return obj{"type": "array", "items": g.schemaOf(t.Elem())}
	case reflect.Map:
		return obj{"type": "object", "additionalProperties": g.schemaOf(t.Elem())}
	case reflect.Interface:
		return obj{}
	case reflect.Struct:
		name := t.Name()
		if _, done := g.comps[name]; !done {
			g.comps[name] = obj{} // a type that refers to itself finds its name taken
			props, required := obj{}, []string{}
			for f := range t.Fields() {
				tag := f.Tag.Get("json")
				if !f.IsExported() || tag == "-" {
					continue
				}
				key, opts, _ := strings.Cut(tag, ",")
				if key == "" {
					key = f.Name
				}
				props[key] = g.schemaOf(f.Type)
				if !strings.Contains(opts, "omitempty") && f.Type.Kind() != reflect.Pointer {
					required = append(required, key)
				}
			}
			g.comps[name] = obj{"type": "object", "properties": props, "required": required}
		}
		return obj{"$ref": "#/components/schemas/" + name}
	}
	return obj{}
}
