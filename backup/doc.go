// Package backup is the on-disk format of Hearth's deduplicating backup repository, shared
// by the connector, which makes backups, and the server, which keeps them: blob names,
// compressed blobs, pack files, directory trees, snapshots, the chunker's settings and the
// retention rule. FORMAT.md in this folder describes the format byte by byte.
package backup
