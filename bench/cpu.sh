#!/usr/bin/env bash
# The speed of the code holo generates: CPU-bound programs (bench/cpu/) written in holo, Rust and
# Go, run in turn, medians reported. See bench/README.md.
#
# Usage: bench/cpu.sh            (from anywhere)
# Environment:
#   RUNS=5                  timed runs per cell (taken in turn across programs and tools)
#   PROGRAMS="fib sieve strings sort_quick sort_builtin wordfreq records search nbody spectral_norm
#             fannkuch mandelbrot fasta binary_trees"
#   MEMORY_PROGRAMS="binary_trees"   programs whose peak memory is also measured (of those in PROGRAMS)
#   SKIP_BUILD=1            use the existing target/release/holo
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
cpu="$here/cpu"
out="$here/out"
runs=${RUNS:-5}
# The first eight are holo's own; the last six are ports of the Computer Language Benchmarks Game.
programs=${PROGRAMS:-"fib sieve strings sort_quick sort_builtin wordfreq records search nbody spectral_norm fannkuch mandelbrot fasta binary_trees"}
memory_programs=${MEMORY_PROGRAMS:-binary_trees}
measure=(python3 "$here/measure.py")
unset CARGO_TARGET_DIR

log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

command -v python3 >/dev/null || die "python3 is needed for the timing helpers"
command -v cargo >/dev/null || die "cargo is needed"
have_go=0
if command -v go >/dev/null; then
    have_go=1
else
    log "go is not installed: the Go column is skipped (Debian/Ubuntu: apt-get install golang-go)"
fi

mkdir -p "$out"
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    log "building holo (release)"
    (cd "$repo" && cargo build --release -q -p holo-cli)
fi
holo="$repo/target/release/holo"
[ -x "$holo" ] || die "$holo is missing (build it with: cargo build --release -p holo-cli)"
# Measure a copy: a rebuild of target/release/holo during the runs (the target folder may be shared)
# must not change, or break, what is measured.
cp "$holo" "$out/holo-under-test"
holo="$out/holo-under-test"

log "building the Rust programs (dev and release profiles)"
rust_target="$out/cpu-target"
cargo build -q --manifest-path "$cpu/rust/Cargo.toml" --target-dir "$rust_target" --bins
cargo build -q --release --manifest-path "$cpu/rust/Cargo.toml" --target-dir "$rust_target" --bins
go_bin="$out/cpu-go"
if [ "$have_go" = 1 ]; then
    log "building the Go programs"
    mkdir -p "$go_bin"
    for p in $programs; do
        (cd "$cpu/go" && go build -o "$go_bin/$p" "./$p")
    done
fi

# `holo run` and `holo build` from nothing: no target/ in the package and an empty HOLO_HOME,
# so every run checks and compiles the program again (what a first run costs).
holo_cold() {
    local cmd=$1 p=$2 home result
    home=$(mktemp -d)
    rm -rf "$cpu/holo/$p/target"
    result=$("${measure[@]}" time --cwd "$cpu/holo/$p" --env HOLO_HOME="$home" -- "$holo" -q "$cmd")
    rm -rf "$home" "$cpu/holo/$p/target"
    echo "$result"
}

# Every program must print the expected output in every language before anything is timed.
log "checking the outputs"
check_output() {
    local what=$1 p=$2 actual
    shift 2
    actual=$("$@" 2>/dev/null) || die "$what $p failed (run it by hand to see why)"
    [ "$actual" = "$(cat "$cpu/expected/$p.txt")" ] ||
        die "$what $p printed $(printf '%q' "$actual"), expected $(printf '%q' "$(cat "$cpu/expected/$p.txt")")"
}
for p in $programs; do
    home=$(mktemp -d)
    check_output "holo run" "$p" env HOLO_HOME="$home" "$holo" -q run --manifest-path "$cpu/holo/$p/holo.toml"
    rm -rf "$home" "$cpu/holo/$p/target"
    check_output "Rust debug" "$p" "$rust_target/debug/$p"
    check_output "Rust release" "$p" "$rust_target/release/$p"
    [ "$have_go" = 1 ] && check_output "Go" "$p" "$go_bin/$p"
done

tsv="$out/cpu.tsv"
printf 'program\ttool\trun\tseconds\n' >"$tsv"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$tsv"; }

log "timing, $runs runs per cell, interleaved"
for run in $(seq 1 "$runs"); do
    for p in $programs; do
        record "$p" holo-run "$run" "$(holo_cold run "$p")"
        record "$p" holo-build "$run" "$(holo_cold build "$p")"
        record "$p" rust-debug "$run" "$("${measure[@]}" time -- "$rust_target/debug/$p")"
        record "$p" rust-release "$run" "$("${measure[@]}" time -- "$rust_target/release/$p")"
        if [ "$have_go" = 1 ]; then
            record "$p" go "$run" "$("${measure[@]}" time -- "$go_bin/$p")"
        fi
    done
    printf '.' >&2
done
echo >&2

notes="$out/cpu-notes.md"
{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "holo $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)'), $(rustc --version)$([ "$have_go" = 1 ] && echo ", $(go version | cut -d' ' -f3)")."
    echo
    echo "- \`holo run\`: the whole command from nothing (empty \`target/\` and \`HOLO_HOME\`): check, lower, compile"
    echo "  the reachable functions with Cranelift, run. \`holo build\`: check and compile every function, without"
    echo "  running, the same way; the difference between the two is roughly the time the program itself runs."
    echo "- Rust and Go: the compiled program only (built beforehand: \`cargo build\`, \`cargo build --release\`,"
    echo "  \`go build\`), so their compile times are not in the figures."
    echo "- Programs: $(for p in $programs; do printf '`%s` ' "$p"; done)(sources in \`bench/cpu/\`, the same algorithm in each"
    echo "  language; every output is checked before timing)."
    echo
} >"$notes"

columns=(--column "holo-run=holo run" --column "holo-build=holo build (no run)" --column "rust-debug=Rust debug"
    --column "rust-release=Rust release")
ratios=(--ratio "holo-run/rust-release=holo ÷ Rust release" --ratio "holo-run/rust-debug=holo ÷ Rust debug")
if [ "$have_go" = 1 ]; then
    columns+=(--column "go=Go")
    ratios+=(--ratio "holo-run/go=holo ÷ Go")
fi
python3 "$here/table.py" --tsv "$tsv" --markdown "$out/cpu.md" --title "Generated code: holo vs Rust vs Go" \
    --notes "$notes" --row-label program "${columns[@]}" "${ratios[@]}"
log "written $out/cpu.md"

# Peak memory (the largest resident set of any of the run's processes) of the allocation-heavy
# programs, in turn like the times: holo run (its program's process), Rust release, Go.
mem_tsv="$out/cpu-memory.tsv"
printf 'program\ttool\trun\tmib\n' >"$mem_tsv"
measured_memory=0
for run in $(seq 1 "$runs"); do
    for p in $memory_programs; do
        case " $programs " in *" $p "*) ;; *) continue ;; esac
        measured_memory=1
        home=$(mktemp -d)
        printf '%s\tholo-run\t%s\t%s\n' "$p" "$run" \
            "$(python3 "$here/measure.py" peak --cwd "$cpu/holo/$p" --env HOLO_HOME="$home" -- "$holo" -q run)" >>"$mem_tsv"
        rm -rf "$home" "$cpu/holo/$p/target"
        printf '%s\trust-release\t%s\t%s\n' "$p" "$run" \
            "$(python3 "$here/measure.py" peak -- "$rust_target/release/$p")" >>"$mem_tsv"
        if [ "$have_go" = 1 ]; then
            printf '%s\tgo\t%s\t%s\n' "$p" "$run" "$(python3 "$here/measure.py" peak -- "$go_bin/$p")" >>"$mem_tsv"
        fi
    done
done
if [ "$measured_memory" = 1 ]; then
    mem_columns=(--column "holo-run=holo run" --column "rust-release=Rust release")
    mem_ratios=(--ratio "holo-run/rust-release=holo ÷ Rust release")
    if [ "$have_go" = 1 ]; then
        mem_columns+=(--column "go=Go")
        mem_ratios+=(--ratio "holo-run/go=holo ÷ Go")
    fi
    python3 "$here/table.py" --tsv "$mem_tsv" --markdown "$out/cpu-memory.md" --unit MiB \
        --title "Peak memory: holo vs Rust vs Go" --row-label program "${mem_columns[@]}" "${mem_ratios[@]}"
    log "written $out/cpu-memory.md"
fi
