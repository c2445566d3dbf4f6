#!/usr/bin/env bash
# Cold test runs: `holo test` against `cargo test` and `go test ./...` on the generated workload
# (the same program and the same tests in each language, from bench/gen), build caches emptied
# before every run, medians of interleaved runs. See bench/README.md.
#
# Usage: bench/test.sh           (from anywhere)
# Environment:
#   RUNS=5                  runs per cell (taken in turn across tools)
#   SIZES="100000"          workload sizes in lines of holo ("10000 100000" for both)
#   SKIP_BUILD=1            use the existing target/release/holo and holo-bench-gen
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out="$here/out"
runs=${RUNS:-5}
sizes=${SIZES:-"100000"}
measure=(python3 "$here/measure.py")
# The workloads are cargo packages with their own target folders.
unset CARGO_TARGET_DIR

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

command -v python3 >/dev/null || die "python3 is needed for the timing helpers"
command -v cargo >/dev/null || die "cargo is needed"
have_go=0
if command -v go >/dev/null; then
    have_go=1
else
    log "go is not installed: the Go columns are skipped (Debian/Ubuntu: apt-get install golang-go)"
fi

mkdir -p "$out"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building holo and the workload generator (release)"
    (cd "$repo" && cargo build --release -q -p holo-cli -p holo-bench-gen)
fi
holo="$repo/target/release/holo"
[ -x "$holo" ] || die "$holo is missing (build it with: cargo build --release -p holo-cli)"
# Measure a copy: a rebuild of target/release/holo during the runs (the target folder may be shared)
# must not change, or break, what is measured.
cp "$holo" "$out/holo-under-test"
holo="$out/holo-under-test"
gen="$repo/target/release/holo-bench-gen"
[ -x "$gen" ] || die "$gen is missing (build it with: cargo build --release -p holo-bench-gen)"

# A Go build cache holding only what the standard library contributes to `go test` (fmt,
# strconv, testing): copied into a fresh GOCACHE for the "project cold, toolchain warm" column,
# the counterpart of cargo's precompiled standard library.
go_std_cache="$out/gocache-test-std"
if [ "$have_go" = 1 ]; then
    rm -rf "$go_std_cache" "$out/gotest-std"
    mkdir -p "$out/gotest-std"
    printf 'module gostd\n\ngo 1.19\n' >"$out/gotest-std/go.mod"
    cat >"$out/gotest-std/main.go" <<'EOF'
package main

import (
	"fmt"
	"strconv"
)

func main() { fmt.Println(strconv.Itoa(1)) }
EOF
    cat >"$out/gotest-std/main_test.go" <<'EOF'
package main

import "testing"

func TestNothing(t *testing.T) {}
EOF
    (cd "$out/gotest-std" && GOCACHE="$go_std_cache" go test ./... >/dev/null)
fi

tsv="$out/test.tsv"
printf 'workload\ttool\trun\tseconds\n' >"$tsv"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$tsv"; }

# A holo command from nothing: no target/ in the package and an empty HOLO_HOME.
holo_cold() {
    local dir=$1 cmd=$2 home result
    home=$(mktemp -d)
    rm -rf "$dir/target"
    result=$("${measure[@]}" time --cwd "$dir" --env HOLO_HOME="$home" -- "$holo" "$cmd")
    rm -rf "$home"
    echo "$result"
}
go_cold() {
    local dir=$1 std=$2 cache result
    cache=$(mktemp -d)
    [ "$std" = 1 ] && cp -a "$go_std_cache/." "$cache/"
    result=$("${measure[@]}" time --cwd "$dir" --env GOCACHE="$cache" -- go test ./...)
    rm -rf "$cache"
    echo "$result"
}

notes="$out/test-notes.md"
{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "holo $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)'), $(rustc --version), $(cargo --version)$([ "$have_go" = 1 ] && echo ", $(go version | cut -d' ' -f3)")."
    echo
    echo "| workload | holo lines | modules | functions | tests |"
    echo "|---|---|---|---|---|"
} >"$notes"

for size in $sizes; do
    label="$((size / 1000))k"
    dir="$out/w$label"
    log "generating the ${label} workload in $dir"
    "$gen" --lines "$size" --out "$dir" >/dev/null
    python3 - "$dir/workload.json" "$label" >>"$notes" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1]))
print(f"| {sys.argv[2]} | {w['lines'].get('holo', '—')} | {w['modules']} | {w['functions']} | {w['tests']} |")
EOF

    # One untimed run of each first, so that the toolchains' own files are in the page cache:
    # "cold" is about build caches, not the disk. This also checks that every suite passes.
    log "[$label] warming up (and checking that every suite passes)"
    holo_cold "$dir/holo" test >/dev/null
    (cd "$dir/rust" && rm -rf target && cargo test -q >/dev/null 2>&1) || die "cargo test fails on $dir/rust"
    [ "$have_go" = 1 ] && { go_cold "$dir/go" 0 >/dev/null || die "go test fails on $dir/go"; }

    log "[$label] cold test runs, $runs runs each, interleaved"
    for run in $(seq 1 "$runs"); do
        record "$label" holo-test "$run" "$(holo_cold "$dir/holo" test)"
        record "$label" holo-check "$run" "$(holo_cold "$dir/holo" check)"
        record "$label" holo-build "$run" "$(holo_cold "$dir/holo" build)"
        rm -rf "$dir/rust/target"
        record "$label" cargo-test "$run" "$("${measure[@]}" time --cwd "$dir/rust" -- cargo test -q)"
        if [ "$have_go" = 1 ]; then
            record "$label" go-test "$run" "$(go_cold "$dir/go" 0)"
            record "$label" go-test-std "$run" "$(go_cold "$dir/go" 1)"
        fi
        printf '.' >&2
    done
    echo >&2
    rm -rf "$dir/rust/target" "$dir/holo/target"
done

{
    echo
    echo "Every command runs with its build caches emptied: for holo, no \`target/\` and an empty \`HOLO_HOME\`;"
    echo "for cargo, no \`target/\` (the standard library stays precompiled, as always with rustup); for Go, an"
    echo "empty \`GOCACHE\`, or one holding only the standard library packages the tests use (\`go test, std warm\`)."
    echo "\`holo test\` checks, compiles and runs every test; \`holo check\` and \`holo build\` (check and compile"
    echo "everything) show where its time goes."
    echo
} >>"$notes"

columns=(--column "holo-test=holo test" --column "holo-check=holo check" --column "holo-build=holo build"
    --column "cargo-test=cargo test")
ratios=(--ratio "cargo-test/holo-test=cargo ÷ holo")
if [ "$have_go" = 1 ]; then
    columns+=(--column "go-test=go test ./..." --column "go-test-std=go test ./... (std warm)")
    ratios+=(--ratio "go-test/holo-test=go ÷ holo" --ratio "go-test-std/holo-test=go (std warm) ÷ holo")
fi
python3 "$here/table.py" --tsv "$tsv" --markdown "$out/test.md" --title "Cold test runs: holo vs cargo vs go" \
    --notes "$notes" --row-label workload "${columns[@]}" "${ratios[@]}"
log "written $out/test.md"
