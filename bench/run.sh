#!/bin/sh
# make bench: the Go benchmarks, then the pool against a plain copy side by side.
# Results go to bench-out/ and the terminal. Timings vary with the machine and its load;
# compare ratios from one run, not numbers across runs.
set -eu
cd "$(dirname "$0")/.."
mkdir -p bench-out
stamp=$(date +%Y%m%d-%H%M%S)
# Each comparison adds its figures here; the run ends with them in one table.
HEARTH_BENCH_SUMMARY="$PWD/bench-out/summary-$stamp.jsonl"
export HEARTH_BENCH_SUMMARY
echo "== Go benchmarks"
go test -run '^$' -bench . -benchtime 2s ./server/... | tee "bench-out/go-$stamp.txt"
echo
echo "== The pool against a plain copy (ratios above 1 mean the pool is faster)"
go run ./bench/poolbench | tee "bench-out/pool-$stamp.md"
echo
echo "== The WebDAV drive against Apache mod_dav and rclone serve webdav"
go run ./bench/davbench | tee "bench-out/dav-$stamp.md"
echo
echo "== PC backup against restic, borg and kopia (BACKUPBENCH_SIZE_MB, _FILES, _RUNS to resize)"
go run ./bench/backupbench | tee "bench-out/backup-$stamp.md"
echo
echo "== Server backup to a folder against restic and kopia (SBACKUPBENCH_SIZE_MB, _FILES, _RUNS to resize)"
go run ./bench/serverbackupbench | tee "bench-out/serverbackup-$stamp.md"
echo
echo "== hearthd's memory: start-up, idle, and many password sign-ins at once (MEMBENCH_FILES to resize)"
go run ./bench/membench -many "${MEMBENCH_FILES:-100000}" | tee "bench-out/mem-$stamp.md"
echo
echo "== The media server for the TVs against minidlna, in a network namespace of its own (MEDIABENCH_FILES to resize)"
ns="hearth-mediabench-$$"
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
ip -n "$ns" link set lo up
ip -n "$ns" link set lo multicast on
ip -n "$ns" route add 239.0.0.0/8 dev lo src 127.0.0.1
ip netns exec "$ns" go run ./bench/mediabench -n "${MEDIABENCH_FILES:-30000}" | tee "bench-out/media-$stamp.md"
ip netns del "$ns"
echo
echo "== Summary: every figure beside its peer and its goal (load: the 1-minute load average when measured)"
go run ./bench/summary "$HEARTH_BENCH_SUMMARY" | tee "bench-out/summary-$stamp.md"
