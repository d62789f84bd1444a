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

CREATE TABLE entries (
	id       INTEGER PRIMARY KEY,
	path     TEXT NOT NULL UNIQUE,
	parent   TEXT NOT NULL,
	dir      INTEGER NOT NULL,
	size     INTEGER NOT NULL,
	mtime_ns INTEGER NOT NULL,
	hash     BLOB,
	gen      INTEGER NOT NULL
);
CREATE INDEX entries_parent ON entries(parent);

CREATE TABLE copies (
	entry INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
	drive TEXT NOT NULL,
	PRIMARY KEY (entry, drive)
) WITHOUT ROWID;
CREATE INDEX copies_drive ON copies(drive, entry);

CREATE TABLE tombstones (
	path     TEXT PRIMARY KEY,
	gen      INTEGER NOT NULL,
	at_ns    INTEGER NOT NULL,
	moved_to TEXT NOT NULL DEFAULT ''
) WITHOUT ROWID;

CREATE TABLE versions (
	id         INTEGER PRIMARY KEY,
	path       TEXT NOT NULL,
	gen        INTEGER NOT NULL,
	size       INTEGER NOT NULL,
	mtime_ns   INTEGER NOT NULL,
	hash       BLOB,
	retired_ns INTEGER NOT NULL,
	UNIQUE (path, gen)
);
CREATE INDEX versions_retired ON versions(retired_ns);

CREATE TABLE version_copies (
	version INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
	drive   TEXT NOT NULL,
	PRIMARY KEY (version, drive)
) WITHOUT ROWID;

CREATE TABLE damaged (
	path     TEXT PRIMARY KEY,
	reason   TEXT NOT NULL,
	found_ns INTEGER NOT NULL
) WITHOUT ROWID;
`}
