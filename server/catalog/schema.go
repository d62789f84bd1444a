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
`, `
-- Step 2: the people and the WebDAV drive. Names compare without case, as Windows does.
CREATE TABLE users (
	name       TEXT PRIMARY KEY COLLATE NOCASE,
	admin      INTEGER NOT NULL,
	hash       TEXT NOT NULL,
	created_ns INTEGER NOT NULL,
	changed_ns INTEGER NOT NULL
) WITHOUT ROWID;

-- Device tokens are kept as SHA-256 digests: they are long and random, so a slow hash
-- adds nothing, and every WebDAV request checks one.
CREATE TABLE tokens (
	id         TEXT PRIMARY KEY,
	user       TEXT NOT NULL COLLATE NOCASE REFERENCES users(name) ON DELETE CASCADE,
	digest     BLOB NOT NULL UNIQUE,
	label      TEXT NOT NULL,
	created_ns INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE access (
	share TEXT NOT NULL,
	user  TEXT NOT NULL COLLATE NOCASE REFERENCES users(name) ON DELETE CASCADE,
	level TEXT NOT NULL CHECK (level IN ('none', 'read', 'full')),
	PRIMARY KEY (share, user)
) WITHOUT ROWID;

CREATE TABLE locks (
	token       TEXT PRIMARY KEY,
	root        TEXT NOT NULL,
	zero_depth  INTEGER NOT NULL,
	shared      INTEGER NOT NULL,
	owner_xml   TEXT NOT NULL,
	duration_ns INTEGER NOT NULL,
	expires_ns  INTEGER NOT NULL
) WITHOUT ROWID;

-- Dead properties (PROPPATCH) by namespace path; they follow moves and go with deletes.
CREATE TABLE props (
	path   TEXT NOT NULL,
	parent TEXT NOT NULL,
	ns     TEXT NOT NULL,
	name TEXT NOT NULL,
	lang TEXT NOT NULL,
	xml  BLOB NOT NULL,
	PRIMARY KEY (path, ns, name)
) WITHOUT ROWID;
CREATE INDEX props_parent ON props(parent);

CREATE TABLE events (
	id     INTEGER PRIMARY KEY,
	at_ns  INTEGER NOT NULL,
	kind   TEXT NOT NULL,
	source TEXT NOT NULL,
	text   TEXT NOT NULL
);
CREATE INDEX events_at ON events(at_ns);
`, `
-- Step 3: health. What each PC's agent last reported, and since when each alert holds
-- (so a restart does not make an old problem look new).
CREATE TABLE pc_health (
	pc      TEXT PRIMARY KEY COLLATE NOCASE,
	owner   TEXT NOT NULL,
	report  BLOB NOT NULL,
	seen_ns INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE alerts (
	key      TEXT PRIMARY KEY,
	since_ns INTEGER NOT NULL
) WITHOUT ROWID;
`, `
-- Step 4: an alert's title, so one held before a restart is named when it clears.
ALTER TABLE alerts ADD COLUMN title TEXT NOT NULL DEFAULT '';
`, `
-- Step 5: verified reads. A content's CRC-32C per block (by its BLAKE3 hash, so renames
-- and identical files share them), to check every block a read returns; and the copies a
-- read or scrub found bad: pending until healed, kept a while after for drive health.
CREATE TABLE block_sums (
	hash  BLOB PRIMARY KEY,
	shift INTEGER NOT NULL,
	crcs  BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE bad_copies (
	drive     TEXT NOT NULL,
	path      TEXT NOT NULL,
	gen       INTEGER NOT NULL,
	found_ns  INTEGER NOT NULL,
	healed_ns INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (drive, path, gen)
) WITHOUT ROWID;
`, `
-- Step 6 (issue 17, items 5 and 9): WebDAV locks and dead properties belong to a user. A
-- lock keeps who took it, so that nobody else can use its token (an administrator may
-- still lift it). A property keeps who set it and the bytes it counts against that
-- user's limit, summed through the index. Rows from before have no owner ('') and count
-- for nobody; such a lock stays usable by anyone, as it was, until it expires.
ALTER TABLE locks ADD COLUMN principal TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
ALTER TABLE props ADD COLUMN principal TEXT NOT NULL DEFAULT '' COLLATE NOCASE;
ALTER TABLE props ADD COLUMN bytes INTEGER NOT NULL DEFAULT 0;
CREATE INDEX props_principal ON props(principal, bytes);
`, `
-- Step 7 (issue 17, item 2): a device token acts only for its own PC. pc is the name the PC's
-- backups go under; '' means none (a token made for a phone or a WebDAV program, which
-- may not touch any PC's backups). A PC joined with its name as the device name and its
-- connector backs up, and its agent reports health, under exactly that name; a token of
-- 'hearthd user token' has a label too ("phone"), which says nothing of a PC. So a token
-- made before this step is bound to its label only when a PC has shown itself under that
-- exact name: its backups are here (Backups/pcs/<label>/pc.json), or its agent reported
-- its health as the token's user. Any other token acts for no PC (a PC joined but never
-- run joins again). A token bound to a name another user backs up under gains nothing:
-- the backups' owner holds the name, and only they and administrators see the backups.
ALTER TABLE tokens ADD COLUMN pc TEXT NOT NULL DEFAULT '';
UPDATE tokens SET pc = label WHERE label <> '' AND (
	EXISTS (SELECT 1 FROM entries WHERE entries.path = 'Backups/pcs/' || tokens.label || '/pc.json')
	OR EXISTS (SELECT 1 FROM pc_health WHERE pc_health.pc = tokens.label COLLATE BINARY
		AND pc_health.owner = tokens.user COLLATE NOCASE));
CREATE INDEX tokens_pc ON tokens(pc COLLATE NOCASE);
`, `
-- Step 8 (issue 18, removing a shared folder recoverably): a removed share keeps its files
-- in place, hidden, until it is restored or purged (30 days on). removed_ns is when it was
-- removed (0: a live share); removed_access keeps, as JSON (user -> level), the access its
-- users had, which went with it and comes back on restore.
ALTER TABLE shares ADD COLUMN removed_ns INTEGER NOT NULL DEFAULT 0;
ALTER TABLE shares ADD COLUMN removed_access TEXT NOT NULL DEFAULT '';
`, `
-- Step 9 (issue 19, sharing links): a link to a file or folder of a share for someone
-- without an account. The token is kept only as its SHA-256 digest (it is long and
-- random, like a device token). kind is 'read' (open and download) or 'upload' (add
-- files, never list). hash is the link's optional password (argon2id, '' for none);
-- expires_ns 0 means never. files and bytes count what an upload link took in, against
-- max_files and max_bytes (0: no limit). A revoked link is kept a while (revoked_ns),
-- so that its visitors are told it was taken back rather than counted as guessing. A
-- link goes with its owner.
CREATE TABLE links (
	id         TEXT PRIMARY KEY,
	owner      TEXT NOT NULL COLLATE NOCASE REFERENCES users(name) ON DELETE CASCADE,
	digest     BLOB NOT NULL UNIQUE,
	path       TEXT NOT NULL,
	kind       TEXT NOT NULL CHECK (kind IN ('read', 'upload')),
	hash       TEXT NOT NULL DEFAULT '',
	expires_ns INTEGER NOT NULL DEFAULT 0,
	created_ns INTEGER NOT NULL,
	max_files  INTEGER NOT NULL DEFAULT 0,
	max_bytes  INTEGER NOT NULL DEFAULT 0,
	files      INTEGER NOT NULL DEFAULT 0,
	bytes      INTEGER NOT NULL DEFAULT 0,
	revoked_ns INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX links_owner ON links(owner);
`, `
-- Step 10 (issue 19, search by name): the names of the index's files and folders in an FTS5
-- trigram index, which finds a fragment anywhere in a name, without case or accents.
-- FTS5 rows are numbered and entries has no rowid, so each entry gets a number, sid,
-- shortest paths first (the order a search reads its candidates in). The FTS table keeps
-- no text of its own (content=''), only the trigrams, and deletes by number.
-- Each name is indexed as '//' || name || '/': no name holds a slash, so the phrase
-- "/q/" matches a whole name, "/q" its start, and "//q" its first character (a trigram
-- index needs three characters to look anything up).
-- Triggers keep it in the same transaction as every change to entries. A rebuild of the
-- index drops them and numbers and indexes everything in bulk afterwards (search.go,
-- reindexNames, which holds the current text of these triggers; this copy stays as is).
ALTER TABLE entries ADD COLUMN sid INTEGER;
CREATE VIRTUAL TABLE names_fts USING fts5(name, content='', contentless_delete=1,
	tokenize='trigram remove_diacritics 1');
UPDATE entries SET sid = n.sid FROM (SELECT path, row_number() OVER (ORDER BY length(path), path) AS sid
	FROM entries) AS n WHERE entries.path = n.path;
CREATE UNIQUE INDEX entries_sid ON entries(sid);
INSERT INTO names_fts(rowid, name) SELECT sid, '//' || CASE WHEN parent = '' THEN path
	ELSE substr(path, length(parent) + 2) END || '/' FROM entries;
CREATE TRIGGER names_insert AFTER INSERT ON entries BEGIN
	UPDATE entries SET sid = (SELECT coalesce(max(sid), 0) + 1 FROM entries) WHERE path = NEW.path;
	INSERT INTO names_fts(rowid, name) SELECT sid, '//' || CASE WHEN NEW.parent = '' THEN NEW.path
		ELSE substr(NEW.path, length(NEW.parent) + 2) END || '/' FROM entries WHERE path = NEW.path;
END;
CREATE TRIGGER names_delete AFTER DELETE ON entries BEGIN
	DELETE FROM names_fts WHERE rowid = OLD.sid;
END;
CREATE TRIGGER names_move AFTER UPDATE OF path ON entries
WHEN substr(OLD.path, length(OLD.parent) + 1) <> substr(NEW.path, length(NEW.parent) + 1) BEGIN
	DELETE FROM names_fts WHERE rowid = OLD.sid;
	INSERT INTO names_fts(rowid, name) VALUES (NEW.sid, '//' || CASE WHEN NEW.parent = '' THEN NEW.path
		ELSE substr(NEW.path, length(NEW.parent) + 2) END || '/');
END;
`, `
-- Step 11 (issue 19, search within the shares given): a search looks in the shares its user
-- may read only, and the FTS index can seek to a range of row numbers but cannot filter by
-- path: filtering the paths afterwards stepped over every match of the other shares. So
-- each share (the first part of a path: whatever is at the top of the namespace) has a
-- number in search_shares, and an entry's sid is that number times 2^40 plus its place in
-- the share, shortest paths first: each share is one range of sids at all times. A new
-- entry takes its share's highest sid plus one; one moved into another share is numbered
-- again there. A share's number stays when no entry is left in it (a share made again
-- under that name takes its range back). Every entry is numbered and indexed again here;
-- the triggers replace step 10's (search.go holds their current text, which reindexNames
-- writes; this copy stays as is).
CREATE TABLE search_shares (
	share TEXT PRIMARY KEY,
	num   INTEGER NOT NULL UNIQUE
) WITHOUT ROWID;
DROP TRIGGER IF EXISTS names_insert;
DROP TRIGGER IF EXISTS names_delete;
DROP TRIGGER IF EXISTS names_move;
DROP INDEX IF EXISTS entries_sid;
INSERT INTO names_fts(names_fts) VALUES ('delete-all');
INSERT INTO search_shares(share, num) SELECT share, row_number() OVER (ORDER BY share)
	FROM (SELECT DISTINCT substr(path, 1, instr(path || '/', '/') - 1) AS share FROM entries);
UPDATE entries SET sid = n.sid FROM (SELECT e.path,
		(s.num << 40) + row_number() OVER (PARTITION BY s.num ORDER BY length(e.path), e.path) AS sid
	FROM entries e JOIN search_shares s ON s.share = substr(e.path, 1, instr(e.path || '/', '/') - 1)) AS n
	WHERE entries.path = n.path;
CREATE UNIQUE INDEX entries_sid ON entries(sid);
INSERT INTO names_fts(rowid, name) SELECT sid, '//' || CASE WHEN parent = '' THEN path
	ELSE substr(path, length(parent) + 2) END || '/' FROM entries ORDER BY sid;
INSERT INTO names_fts(names_fts) VALUES ('optimize');
CREATE TRIGGER names_insert AFTER INSERT ON entries BEGIN
	INSERT OR IGNORE INTO search_shares(share, num) VALUES (substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1),
		(SELECT coalesce(max(num), 0) + 1 FROM search_shares));
	UPDATE entries SET sid = (SELECT coalesce((SELECT sid FROM entries WHERE sid BETWEEN s.num << 40
			AND (s.num << 40) + 1099511627775 ORDER BY sid DESC LIMIT 1), s.num << 40) + 1
		FROM search_shares s WHERE s.share = substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1))
	WHERE path = NEW.path;
	INSERT INTO names_fts(rowid, name) SELECT sid, '//' || CASE WHEN NEW.parent = '' THEN NEW.path
		ELSE substr(NEW.path, length(NEW.parent) + 2) END || '/' FROM entries WHERE path = NEW.path;
END;
CREATE TRIGGER names_delete AFTER DELETE ON entries BEGIN
	DELETE FROM names_fts WHERE rowid = OLD.sid;
END;
CREATE TRIGGER names_move AFTER UPDATE OF path ON entries
WHEN substr(OLD.path, 1, instr(OLD.path || '/', '/') - 1) <> substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1)
	OR CASE WHEN OLD.parent = '' THEN OLD.path ELSE substr(OLD.path, length(OLD.parent) + 2) END
		<> CASE WHEN NEW.parent = '' THEN NEW.path ELSE substr(NEW.path, length(NEW.parent) + 2) END BEGIN
	DELETE FROM names_fts WHERE rowid = OLD.sid;
	INSERT OR IGNORE INTO search_shares(share, num) VALUES (substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1),
		(SELECT coalesce(max(num), 0) + 1 FROM search_shares));
	UPDATE entries SET sid = (SELECT coalesce((SELECT sid FROM entries WHERE sid BETWEEN s.num << 40
			AND (s.num << 40) + 1099511627775 ORDER BY sid DESC LIMIT 1), s.num << 40) + 1
		FROM search_shares s WHERE s.share = substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1))
	WHERE path = NEW.path AND substr(OLD.path, 1, instr(OLD.path || '/', '/') - 1)
		<> substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1);
	INSERT INTO names_fts(rowid, name) SELECT sid, '//' || CASE WHEN NEW.parent = '' THEN NEW.path
		ELSE substr(NEW.path, length(NEW.parent) + 2) END || '/' FROM entries WHERE path = NEW.path;
END;
`, `
-- Step 12 (issue 21, pool status from counters): the files, folders and bytes of each share
-- by the set of drives holding them, kept by triggers in the same transaction as every
-- change to entries, so that the pool's status (its totals, the files short of copies
-- and those with no readable copy) reads a few rows instead of walking a million.
-- A rebuild of the index drops the triggers and counts everything in bulk afterwards
-- (counts.go, recount, which holds the current text of these triggers; this copy stays
-- as is).
CREATE TABLE entry_counts (
	share  TEXT NOT NULL,
	copies INTEGER NOT NULL,
	files  INTEGER NOT NULL,
	dirs   INTEGER NOT NULL,
	bytes  INTEGER NOT NULL,
	PRIMARY KEY (share, copies)
) WITHOUT ROWID;
INSERT INTO entry_counts(share, copies, files, dirs, bytes)
	SELECT substr(path, 1, instr(path || '/', '/') - 1), copies, sum(dir = 0), sum(dir != 0), sum(size)
	FROM entries GROUP BY 1, 2;
CREATE TRIGGER counts_insert AFTER INSERT ON entries BEGIN
	INSERT INTO entry_counts(share, copies, files, dirs, bytes)
		VALUES (substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1), NEW.copies, NEW.dir = 0, NEW.dir != 0, NEW.size)
		ON CONFLICT(share, copies) DO UPDATE SET files = files + excluded.files, dirs = dirs + excluded.dirs,
			bytes = bytes + excluded.bytes;
END;
CREATE TRIGGER counts_delete AFTER DELETE ON entries BEGIN
	UPDATE entry_counts SET files = files - (OLD.dir = 0), dirs = dirs - (OLD.dir != 0), bytes = bytes - OLD.size
		WHERE share = substr(OLD.path, 1, instr(OLD.path || '/', '/') - 1) AND copies = OLD.copies;
END;
CREATE TRIGGER counts_update AFTER UPDATE OF path, dir, size, copies ON entries BEGIN
	UPDATE entry_counts SET files = files - (OLD.dir = 0), dirs = dirs - (OLD.dir != 0), bytes = bytes - OLD.size
		WHERE share = substr(OLD.path, 1, instr(OLD.path || '/', '/') - 1) AND copies = OLD.copies;
	INSERT INTO entry_counts(share, copies, files, dirs, bytes)
		VALUES (substr(NEW.path, 1, instr(NEW.path || '/', '/') - 1), NEW.copies, NEW.dir = 0, NEW.dir != 0, NEW.size)
		ON CONFLICT(share, copies) DO UPDATE SET files = files + excluded.files, dirs = dirs + excluded.dirs,
			bytes = bytes + excluded.bytes;
END;
`, `
-- Step 13 (issue 22, streaming to TVs): media says whether a share is offered to the TVs and
-- game consoles of the house (DLNA, which has no sign-in). Off for every share but the
-- family's Music, Pictures and Videos, which a new server streams from the start: what a
-- family keeps for itself is never streamed unless someone turns it on.
ALTER TABLE shares ADD COLUMN media INTEGER NOT NULL DEFAULT 0;
UPDATE shares SET media = 1 WHERE name IN ('Music', 'Pictures', 'Videos');
`}
