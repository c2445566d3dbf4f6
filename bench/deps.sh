#!/usr/bin/env bash
# A large dependency used by a second project: `holo check` of project A (cold: empty target/
# and HOLO_HOME), then of project B that depends on the same package (same HOLO_HOME, its own
# empty target/). The dependency is the generated workload (bench/gen) turned into a library.
#
# Usage: bench/deps.sh [LINES]     (default 100000; builds holo --release unless SKIP_BUILD=1)
# Environment: RUNS=5
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
lines=${1:-100000}
runs=${RUNS:-5}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    (cd "$repo" && cargo build --release -q -p holo-cli -p holo-bench-gen)
fi
holo="$repo/target/release/holo"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$repo/target/release/holo-bench-gen" --lines "$lines" --out "$work/w" --lang holo >/dev/null
mkdir -p "$work/bigdep/src"
cp "$work/w/holo/src/"m[0-9]*.holo "$work/bigdep/src/"
printf '[package]\nname = "bigdep"\nversion = "0.1.0"\nedition = "2026"\n' >"$work/bigdep/holo.toml"
sed -e 's/^fn main() {/pub fn checksum() -> i64 {/' -e 's/^    println(.*$/    total/' \
    "$work/w/holo/src/main.holo" >"$work/bigdep/src/lib.holo"
for p in a b; do
    mkdir -p "$work/$p/src"
    printf '[package]\nname = "%s"\nversion = "0.1.0"\nedition = "2026"\n\n[dependencies]\nbigdep = { path = "../bigdep" }\n' "$p" >"$work/$p/holo.toml"
    printf 'fn main() {\n    println(bigdep::checksum());\n}\n' >"$work/$p/src/main.holo"
done
ms() { python3 -c 'import sys,time,subprocess,os; t=time.perf_counter(); subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True); print(round((time.perf_counter()-t)*1000,1))' "$@"; }
echo "run  project A cold (ms)  project B, dependency seen before (ms)"
for run in $(seq 1 "$runs"); do
    home=$(mktemp -d)
    rm -rf "$work/a/target" "$work/b/target"
    a=$(HOLO_HOME=$home ms "$holo" -q check --no-daemon --manifest-path "$work/a/holo.toml")
    b=$(HOLO_HOME=$home ms "$holo" -q check --no-daemon --manifest-path "$work/b/holo.toml")
    echo "$run    $a    $b"
    rm -rf "$home"
done
