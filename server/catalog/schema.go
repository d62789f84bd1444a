package catalog

// migrations bring the schema from version i to i+1. Never edit a released step; add one.
//
// Paths are namespace paths ("Share/dir/file"). A folder's descendants are the paths in
// the range [p+"/", p+"0"): '0' is the byte after '/', so the range uses the primary key
// index and needs no LIKE escaping.
var migrations = []string{`
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE drives (
	id         TEXT PRIMARY KEY,
	num        INTEGER NOT NULL UNIQUE CHECK (num BETWEEN 0 AND 62),
	path       TEXT NOT NULL UNIQUE,
	label      TEXT NOT NULL,
	state      TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	added_ns   INTEGER NOT NULL,
	changed_ns INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE shares (
	name        TEXT PRIMARY KEY,
	copies      INTEGER NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_ns  INTEGER NOT NULL
) WITHOUT ROWID;

-- copies is a bit set: bit n is set when the drive numbered n holds a copy. One row per
-- file, in one B-tree keyed by path, keeps a rebuild of a million files quick.
CREATE TABLE entries (
	path     TEXT PRIMARY KEY,
	parent   TEXT NOT NULL,
	dir      INTEGER NOT NULL,
	size     INTEGER NOT NULL,
	mtime_ns INTEGER NOT NULL,
	hash     BLOB,
	gen      INTEGER NOT NULL,
	copies   INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX entries_parent ON entries(parent);

CREATE TABLE tombstones (
	path     TEXT PRIMARY KEY,
	gen      INTEGER NOT NULL,
	at_ns    INTEGER NOT NULL,
	moved_to TEXT NOT NULL DEFAULT '',
	from_gen INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

CREATE TABLE versions (
	id         INTEGER PRIMARY KEY,
	path       TEXT NOT NULL,
	gen        INTEGER NOT NULL,
	size       INTEGER NOT NULL,
	mtime_ns   INTEGER NOT NULL,
	hash       BLOB,
	retired_ns INTEGER NOT NULL,
	copies     INTEGER NOT NULL DEFAULT 0,
	UNIQUE (path, gen)
);
CREATE INDEX versions_retired ON versions(retired_ns);

CREATE TABLE damaged (
	path     TEXT PRIMARY KEY,
	reason   TEXT NOT NULL,
	found_ns INTEGER NOT NULL
) WITHOUT ROWID;
`}
