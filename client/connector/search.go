package connector

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/hearth-home/hearth/server/api/schema"
)

// Search finds files and folders by part of their names in every share this PC's user
// may read, best first, at most limit of them: the server's GET /api/v1/files/search,
// the same search of its name index that 'hearthd file find' makes.
func (c Config) Search(ctx context.Context, query string, limit int) (schema.SearchResults, error) {
	var res schema.SearchResults
	q := url.Values{"q": {query}, "limit": {strconv.Itoa(limit)}}
	err := c.call(ctx, http.MethodGet, "/api/v1/files/search?"+q.Encode(), nil, &res, c.bearer)
	return res, err
}
