#!/usr/bin/env bash
# Compares holo with cargo and go on generated workloads (the same program in each language):
# cold check times, and the time from a one-body edit to a result. See bench/README.md.
#
# Usage: bench/run.sh            (from anywhere)
# Environment:
#   RUNS=5                  runs per measurement (taken in turn across tools, medians reported)
#   SIZES="10000 100000"    workload sizes in lines of holo
#   SKIP_BUILD=1            use the existing target/release/holo and holo-bench-gen
#   VERIFY=1                also run the generated tests once (cargo test, go test) before timing
#   HOLO_BENCH_ALLOW_ERRORS=1  keep going when holo reports errors on a workload (numbers are then
#                           not comparable; useful while the checker is incomplete)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out="$here/out"
runs=${RUNS:-5}
sizes=${SIZES:-"10000 100000"}
measure=(python3 "$here/measure.py")

# The workloads are their own cargo workspaces with their own target folders; a CARGO_TARGET_DIR
# inherited from the environment would point every build at one shared folder.
unset CARGO_TARGET_DIR

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

command -v python3 >/dev/null || die "python3 is needed for the timing helper (bench/measure.py)"
command -v cargo >/dev/null || die "cargo is needed"
have_go=0
if command -v go >/dev/null; then
    have_go=1
else
    log "go is not installed: the go columns are skipped (Debian/Ubuntu: apt-get install golang-go)"
fi

mkdir -p "$out"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building holo and the workload generator (release)"
    (cd "$repo" && cargo build --release -q -p holo-cli -p holo-bench-gen)
fi
holo="$repo/target/release/holo"
gen="$repo/target/release/holo-bench-gen"
[ -x "$holo" ] || die "$holo is missing (build it with: cargo build --release -p holo-cli)"
[ -x "$gen" ] || die "$gen is missing (build it with: cargo build --release -p holo-bench-gen)"

# A Go build cache holding only what the standard library contributes to `go vet`: copied into
# a fresh GOCACHE for the "project cold, toolchain warm" variant, the counterpart of cargo's
# precompiled standard library.
go_std_cache="$out/gocache-std"
if [ "$have_go" = 1 ]; then
    rm -rf "$go_std_cache" "$out/gostd"
    mkdir -p "$out/gostd"
    printf 'module gostd\n\ngo 1.19\n' >"$out/gostd/go.mod"
    cat >"$out/gostd/main.go" <<'EOF'
package main

import (
	"fmt"
	"strconv"
)

func main() { fmt.Println(strconv.Itoa(1)) }
EOF
    cat >"$out/gostd/main_test.go" <<'EOF'
package main

import "testing"

func TestNothing(t *testing.T) {}
EOF
    (cd "$out/gostd" && GOCACHE="$go_std_cache" go vet ./... && GOCACHE="$go_std_cache" go build ./...)
fi

tsv="$out/results.tsv"
printf 'workload\tmeasure\ttool\trun\tseconds\n' >"$tsv"
record() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$tsv"; }

# Time one command; on failure, say which and stop (a failing build measures nothing).
timed() { "${measure[@]}" time "$@"; }

holo_expect=0
watch_flags=()
if [ "${HOLO_BENCH_ALLOW_ERRORS:-0}" = 1 ]; then
    holo_expect=any
    watch_flags=(--allow-errors)
fi
# `holo check` cold: no project state and an empty HOLO_HOME.
holo_cold() {
    local dir=$1 home result
    home=$(mktemp -d)
    rm -rf "$dir/target"
    result=$(timed --cwd "$dir" --env HOLO_HOME="$home" --expect-exit "$holo_expect" -- "$holo" check)
    rm -rf "$home"
    echo "$result"
}

notes="$out/notes.md"
{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'))," \
        "load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "holo $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)'), $(rustc --version), $(cargo --version)$([ "$have_go" = 1 ] && echo ", $(go version | cut -d' ' -f3)")."
    echo
    echo "| workload | holo lines | Rust lines | Go lines | modules | functions | tests | edited function (tests reaching it) |"
    echo "|---|---|---|---|---|---|---|---|"
} >"$notes"

for size in $sizes; do
    label="$((size / 1000))k"
    dir="$out/w$label"
    log "generating the ${label} workload in $dir"
    "$gen" --lines "$size" --out "$dir" >/dev/null
    python3 - "$dir/workload.json" "$label" >>"$notes" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1]))
l = w["lines"]
e = w["edit"]
print(f"| {sys.argv[2]} | {l.get('holo', '—')} | {l.get('rust', '—')} | {l.get('go', '—')} | {w['modules']} | {w['functions']} | {w['tests']} | `{e['target']}` ({e['tests_reaching']}) |")
EOF
done

for size in $sizes; do
    label="$((size / 1000))k"
    dir="$out/w$label"
    work="$dir/workload.json"
    if [ "${VERIFY:-0}" = 1 ]; then
        log "[$label] verifying the generated Rust and Go (tests and output)"
        expected=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["expected_output"])' "$work")
        (cd "$dir/rust" && cargo test -q --release >/dev/null && [ "$(cargo run -q --release)" = "$expected" ]) ||
            die "the generated Rust of $dir fails its tests or prints the wrong checksum"
        if [ "$have_go" = 1 ]; then
            (cd "$dir/go" && go vet ./... && go test ./... >/dev/null && [ "$(go run .)" = "$expected" ]) ||
                die "the generated Go of $dir fails vet or its tests, or prints the wrong checksum"
        fi
    fi

    # One untimed run of each tool first, so that every timed run finds the toolchains' own
    # files in the OS page cache: "cold" is about build caches, not about the disk.
    log "[$label] warming up"
    holo_cold "$dir/holo" >/dev/null
    (cd "$dir/rust" && rm -rf target && cargo check -q)
    if [ "$have_go" = 1 ]; then
        gocache=$(mktemp -d)
        (cd "$dir/go" && GOCACHE="$gocache" go vet ./...)
        rm -rf "$gocache"
    fi

    log "[$label] cold checks, $runs runs each, interleaved"
    for run in $(seq 1 "$runs"); do
        record "$label" cold holo "$run" "$(holo_cold "$dir/holo")"
        rm -rf "$dir/rust/target"
        record "$label" cold cargo "$run" "$(timed --cwd "$dir/rust" -- cargo check -q)"
        if [ "$have_go" = 1 ]; then
            gocache=$(mktemp -d)
            record "$label" cold go "$run" "$(timed --cwd "$dir/go" --env GOCACHE="$gocache" -- go vet ./...)"
            rm -rf "$gocache"
            gocache=$(mktemp -d)
            cp -a "$go_std_cache/." "$gocache/"
            record "$label" cold go-std "$run" "$(timed --cwd "$dir/go" --env GOCACHE="$gocache" -- go vet ./...)"
            rm -rf "$gocache"
        fi
        printf '.' >&2
    done
    echo >&2

    log "[$label] re-check after a one-body edit, $runs runs each, interleaved"
    # Warm states: cargo's incremental cache and a Go build cache for this workload.
    (cd "$dir/rust" && cargo check -q)
    gocache="$dir/gocache"
    if [ "$have_go" = 1 ]; then
        rm -rf "$gocache"
        (cd "$dir/go" && GOCACHE="$gocache" go build ./...)
    fi
    home=$(mktemp -d)
    for run in $(seq 1 "$runs"); do
        # holo: a fresh `holo check --watch`; after its first check, save the edit and time
        # until the status line (wall) and read the time the line reports (self).
        # Four saves per watcher (edit, revert, edit, revert): the first is reported on its own,
        # the median of the other three as "later saves".
        read -r wall self later_wall later_self < <("${measure[@]}" watch --holo "$holo" --workload "$work" --root "$dir/holo" --env HOLO_HOME="$home" --saves 4 "${watch_flags[@]}")
        record "$label" edit holo-watch-wall "$run" "$wall"
        record "$label" edit holo-watch-self "$run" "$self"
        record "$label" edit holo-watch-later-wall "$run" "$later_wall"
        record "$label" edit holo-watch-later-self "$run" "$later_self"
        "${measure[@]}" edit --workload "$work" --lang rust --root "$dir/rust" >/dev/null
        record "$label" edit cargo "$run" "$(timed --cwd "$dir/rust" -- cargo check -q)"
        if [ "$have_go" = 1 ]; then
            "${measure[@]}" edit --workload "$work" --lang go --root "$dir/go" >/dev/null
            record "$label" edit go "$run" "$(timed --cwd "$dir/go" --env GOCACHE="$gocache" -- go build ./...)"
        fi
        printf '.' >&2
    done
    echo >&2
    rm -rf "$home"
    # Leave the sources as generated.
    for lang in holo rust go; do
        [ -d "$dir/$lang" ] && "${measure[@]}" restore --workload "$work" --lang "$lang" --root "$dir/$lang" >/dev/null
    done
done

if [ "$have_go" = 0 ]; then
    printf '\nGo was not installed, so its rows are missing.\n' >>"$notes"
fi
if [ "$holo_expect" = any ]; then
    printf '\n**HOLO_BENCH_ALLOW_ERRORS was set: holo may have reported errors, so its numbers may not be comparable.**\n' >>"$notes"
fi
"${measure[@]}" report --tsv "$tsv" --markdown "$out/results.md" --title "holo vs cargo vs go" --notes "$notes"
log "written $out/results.md"
