#!/usr/bin/env bash
# The latency of the editor queries (hover, go to definition, completion, signature help) on the
# generated workload right after a one-body edit, in the compiler itself (no language-server
# transport). See bench/README.md, "Editor queries".
#
# Usage: bench/ide.sh            (from anywhere)
# Environment:
#   RUNS=31          samples per query (each after its own edit)
#   LINES=100000     workload size in lines of holo
#   SKIP_BUILD=1     use the existing release builds
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out="$here/out"
runs=${RUNS:-31}
lines=${LINES:-100000}
unset CARGO_TARGET_DIR

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

mkdir -p "$out"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building the workload generator and the measuring program (release)"
    (cd "$repo" && cargo build --release -q -p holo-bench-gen && cargo build --release -q -p holo-compiler --example ide_latency)
fi
workload="$out/ide-$lines"
rm -rf "$workload"
log "generating a workload of $lines lines"
"$repo/target/release/holo-bench-gen" --lines "$lines" --out "$workload" --lang holo >/dev/null
log "measuring ($runs runs per query)"
{
    echo "# Editor query latency"
    echo
    echo "$(date -u +%Y-%m-%dT%H:%MZ), commit $(cd "$repo" && git rev-parse --short HEAD), $(nproc) cores"
    echo
    "$repo/target/release/examples/ide_latency" "$workload" "$runs"
} | tee "$out/ide.md"
rm -rf "$workload"
