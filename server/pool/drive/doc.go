// Package drive is one data drive of the pool: a mounted directory holding plain files that
// any PC can read, plus the little the pool needs to trust and rebuild it.
//
// # On-disk layout
//
//	<root>/
//	  Shares/<Share>/<path>           the data, as plain files and folders
//	  .hearth/drive.json              marker: format, pool id, drive id, label
//	  .hearth/pool.json               mirror of the pool's configuration (shares, drives,
//	                                  users with password hashes, devices, access); 0600
//	  .hearth/lock                    locked (flock) by the one server using the drive
//	  .hearth/tombstones.log          deletes this drive has seen, one per line
//	  .hearth/tmp/                    in-flight writes; anything here at start is garbage
//	  .hearth/versions/<Share>/<path>~v<gen>
//	                                  previous versions of overwritten or deleted files
//	  .hearth/staging/<name>/         data on its way into the pool that other parts of the
//	                                  server keep and clean (resumable uploads); never
//	                                  listed or served (pool.StagingDir). A whole staged
//	                                  file is committed by a hard link into tmp (Adopt),
//	                                  so its bytes are never written twice
//
// Every file and folder under Shares and versions carries the extended attribute
// "user.hearth": one format byte (1), the 8-byte big-endian generation at which the item
// came to be at its path, and for files the 32-byte BLAKE3 hash of its content. The
// generation lets a rebuild tell a current copy from a stale one on a drive that was away;
// the hash lets scrub tell a good copy from a rotten one. A drive must therefore support
// user extended attributes (ext4, XFS, btrfs, ZFS, tmpfs since Linux 6.6 do; FAT and exFAT
// do not, and are refused).
//
// A tombstone line is "<gen>\t<unix nanoseconds>\t<path>\n" or, for a rename,
// "<gen>\t<unix nanoseconds>\t<path>\t<new path>\t<moved gen>\n". It says: every copy at <path>,
// or below it, that came to be before <gen> is no longer there; after a rename, the item
// of generation <moved gen> is at <new path>. An item being renamed is stamped with the
// rename's generation before it moves.
// The line is written before the change is made on any drive, so a change a crash cut off
// is finished at the next start. A torn last line (a crash during an append) is ignored.
//
// # Safety
//
// Every path is resolved relative to the drive's root with openat2(2) and
// RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_XDEV, so neither a planted symbolic link
// nor a mount inside the drive can take an operation elsewhere. Where openat2 is missing
// (kernels before 5.6) or refused (systemd's RestrictSUIDSGID=, as in hearthd.service),
// the path is walked one element at a time with O_NOFOLLOW, refusing "..", links and a
// step onto another mount (by mount ID; by device before Linux 5.8). A drive whose
// marker is missing or names another pool is never written to: an unmounted mount point
// is an empty folder on the system disk, and must not fill up with pool data.
//
// A drive belongs to one server at a time: Open takes an exclusive lock on .hearth/lock
// before it writes anything, held until Close and dropped by the kernel when the process
// dies; a second Open fails with ErrInUse. Probe reads a drive without locking or
// writing, to find drives without disturbing another server.
package drive
