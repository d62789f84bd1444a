// Package route registers the API's calls from a table, so the table is what the
// handlers serve, what the OpenAPI document is checked against and what the permission
// test walks. A call the table lacks is answered in the API's error shape, as is a
// method a path does not take.
package route

import (
	"net/http"
	"slices"
	"strings"

	"github.com/hearth-home/hearth/server/api/problem"
)

// Route is one API call.
type Route struct {
	Method  string
	Path    string // a net/http pattern's path: /api/v1/users/{name}
	Handler http.HandlerFunc
}

// Pattern is the route as net/http and the tests name it: "GET /api/v1/users".
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// Patterns lists the routes' patterns.
func Patterns(rs []Route) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Pattern()
	}
	return out
}

// NoSuchCall answers a path that is no API call.
func NoSuchCall(w http.ResponseWriter, _ *http.Request) {
	problem.Reply(w, http.StatusNotFound, problem.CodeNoRoute, "There is no such API call. The calls are listed at /api/v1/openapi.json.")
}

// Mux serves the routes. Any other path is answered 404 and any other method on a path
// 405, both in the API's error shape.
func Mux(rs []Route) *http.ServeMux {
	mux := http.NewServeMux()
	methods := map[string][]string{}
	for _, r := range rs {
		mux.HandleFunc(r.Pattern(), r.Handler)
		methods[r.Path] = append(methods[r.Path], r.Method)
	}
	for path, ms := range methods {
		if slices.Contains(ms, http.MethodGet) {
			ms = append(ms, http.MethodHead)
		}
		allow := strings.Join(ms, ", ")
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			problem.Reply(w, http.StatusMethodNotAllowed, "method_not_allowed", "This API call does not take "+r.Method+"; it takes "+allow+".")
		})
	}
	mux.HandleFunc("/", NoSuchCall)
	return mux
}
