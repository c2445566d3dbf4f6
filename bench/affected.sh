#!/usr/bin/env bash
# `holo test --affected` on the generated workload (bench/gen, the same program and tests in
# holo, Rust and Go): after a one-body edit, a fresh `holo test --affected` against `cargo test`
# and `go test ./...` after the same edit; with nothing changed; and the cold `holo check` of a
# second project with the same modules, sharing HOLO_HOME with the first. Medians of
# interleaved runs. Writes bench/out/affected.md (tables, with the machine and versions) and
# bench/out/affected.tsv (every sample).
#
# Usage: bench/affected.sh       (from anywhere)
# Environment:
#   RUNS=5                  runs per cell (taken in turn across tools)
#   SIZE=100000             workload size in lines of holo
#   SKIP_BUILD=1            use the existing target/release/holo and holo-bench-gen
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
out="$here/out"
runs=${RUNS:-5}
size=${SIZE:-100000}
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
# Measure a copy: a rebuild of target/release/holo during the runs (the target folder may be
# shared) must not change, or break, what is measured.
cp "$holo" "$out/holo-under-test-affected"
holo="$out/holo-under-test-affected"
gen="$repo/target/release/holo-bench-gen"
[ -x "$gen" ] || die "$gen is missing (build it with: cargo build --release -p holo-bench-gen)"

label="$((size / 1000))k"
# A folder of its own, so that bench/run.sh and bench/test.sh can use theirs meanwhile.
dir="$out/affected-w$label"
log "generating the ${label} workload in $dir"
"$gen" --lines "$size" --out "$dir" >/dev/null
work="$dir/workload.json"
read -r target reaching tests < <(python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))
print(w["edit"]["target"], w["edit"]["tests_reaching"], w["tests"])' "$work")

tsv="$out/affected.tsv"
printf 'case\tcolumn\trun\tseconds\n' >"$tsv"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$tsv"; }
timed() { "${measure[@]}" time "$@"; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# The number of tests a `holo test --affected --message-format json` ran, and how many it
# answered from the record; fails unless every test is accounted for.
count_tests() {
    python3 - "$1" "$tests" <<'EOF'
import json, sys
ran = cached = 0
summary = None
for line in open(sys.argv[1], encoding="utf-8"):
    event = json.loads(line)
    if event["type"] == "test":
        if event["outcome"] in ("cached-passed", "cached-failed"):
            cached += 1
        else:
            ran += 1
        if event["outcome"] not in ("passed", "cached-passed"):
            sys.exit(f"{event['name']} is {event['outcome']}: {event.get('message')}")
    elif event["type"] == "summary":
        summary = event
if summary is None or ran + cached != int(sys.argv[2]):
    sys.exit(f"expected {sys.argv[2]} tests, got {ran} run and {cached} cached (summary: {summary})")
print(ran, cached)
EOF
}

# The state every edit run starts from: the whole suite recorded by `holo test` in a HOLO_HOME
# of its own; the Rust tests built; Go's build cache holding this workload.
log "[$label] warming up: holo test, cargo test, go test (also checks that every suite passes)"
home="$scratch/home"
mkdir -p "$home"
rm -rf "$dir/holo/target"
timed --cwd "$dir/holo" --env HOLO_HOME="$home" -- "$holo" test >/dev/null
(cd "$dir/rust" && cargo test -q >/dev/null 2>&1) || die "cargo test fails on $dir/rust"
gocache="$scratch/gocache"
if [ "$have_go" = 1 ]; then
    (cd "$dir/go" && GOCACHE="$gocache" go test ./... >/dev/null) || die "go test fails on $dir/go"
fi

notes="$out/affected-notes.md"
{
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), load average at start $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "holo $(cd "$repo" && git rev-parse --short HEAD)$(cd "$repo" && git diff --quiet HEAD -- . 2>/dev/null || echo ' (with uncommitted changes)'), $(rustc --version), $(cargo --version)$([ "$have_go" = 1 ] && echo ", $(go version | cut -d' ' -f3)")."
    echo
    python3 - "$work" "$label" <<'EOF'
import json, sys
w = json.load(open(sys.argv[1]))
print("| workload | holo lines | modules | functions | tests | edited function | tests reaching it |")
print("|---|---|---|---|---|---|---|")
print(f"| {sys.argv[2]} | {w['lines'].get('holo', '—')} | {w['modules']} | {w['functions']} | {w['tests']} | `{w['edit']['target']}` | {w['edit']['tests_reaching']} |")
EOF
} >"$notes"

log "[$label] $runs runs of each, interleaved"
checked=""
for run in $(seq 1 "$runs"); do
    # Run N rewrites the edited line to `old + N - N`: a body no earlier run has seen, with the
    # same values, so the tests keep passing and every tool has to rebuild or rerun.
    "${measure[@]}" variant --workload "$work" --lang holo --root "$dir/holo" --nonce "$run" >/dev/null
    record edit holo "$run" "$(timed --cwd "$dir/holo" --env HOLO_HOME="$home" --stdout "$scratch/edit.json" -- \
        "$holo" test --affected --message-format json)"
    read -r ran cached < <(count_tests "$scratch/edit.json") || die "holo test --affected after the edit: see above"
    [ "$ran" = "$reaching" ] ||
        die "after the edit of $target, holo ran $ran tests and answered $cached from the record; $reaching tests reach it"
    record noop holo "$run" "$(timed --cwd "$dir/holo" --env HOLO_HOME="$home" --stdout "$scratch/noop.json" -- \
        "$holo" test --affected --message-format json)"
    read -r ran cached < <(count_tests "$scratch/noop.json") || die "holo test --affected with nothing changed: see above"
    [ "$ran" = 0 ] || die "with nothing changed, holo test --affected ran $ran tests"
    checked="$checked $run"

    "${measure[@]}" variant --workload "$work" --lang rust --root "$dir/rust" --nonce "$run" >/dev/null
    record edit cargo "$run" "$(timed --cwd "$dir/rust" -- cargo test -q)"
    record noop cargo "$run" "$(timed --cwd "$dir/rust" -- cargo test -q)"
    if [ "$have_go" = 1 ]; then
        "${measure[@]}" variant --workload "$work" --lang go --root "$dir/go" --nonce "$run" >/dev/null
        record edit go "$run" "$(timed --cwd "$dir/go" --env GOCACHE="$gocache" -- go test ./...)"
        record noop go "$run" "$(timed --cwd "$dir/go" --env GOCACHE="$gocache" -- go test ./...)"
    fi

    # A second project with the same modules (a copy, as generated) checks with the shared
    # cache that the first one's cold check filled.
    "${measure[@]}" variant --workload "$work" --lang holo --root "$dir/holo" --nonce 0 >/dev/null
    first="$scratch/first" second="$scratch/second" shared="$scratch/shared-home"
    rm -rf "$first" "$second" "$shared"
    cp -a "$dir/holo" "$first"
    cp -a "$dir/holo" "$second"
    rm -rf "$first/target" "$second/target"
    mkdir -p "$shared"
    record check holo-cold "$run" "$(timed --cwd "$first" --env HOLO_HOME="$shared" -- "$holo" check)"
    record check holo-second "$run" "$(timed --cwd "$second" --env HOLO_HOME="$shared" -- "$holo" check)"
    printf '.' >&2
done
echo >&2
for lang in holo rust go; do
    [ -d "$dir/$lang" ] && "${measure[@]}" variant --workload "$work" --lang "$lang" --root "$dir/$lang" --nonce 0 >/dev/null
done
log "every edit run of holo ran exactly the $reaching tests that reach $target, and every no-op run none (runs:$checked)"

{
    echo
    echo "Edit: each run rewrites the returned expression of \`$target\` to \`… + N - N\` (N the run's"
    echo "number: a body no earlier run has seen, computing the same values), in the holo, Rust and Go"
    echo "versions alike, then runs one fresh command. Every holo run was checked to run exactly the"
    echo "**$reaching** tests that reach \`$target\` and to answer the other $((tests - reaching)) from their"
    echo "recorded results; every no-op run to run none."
    echo
    echo "- \`holo test --affected\`: a new process each time, with the project's \`target/\` and"
    echo "  \`HOLO_HOME\` from the earlier runs (the whole suite was recorded once by \`holo test\`)."
    echo "- \`cargo test -q\`: incremental debug build of the edited crate and its test binary, then all"
    echo "  $tests tests (cargo has no way to run only the affected ones)."
    echo "- \`go test ./...\`: rebuilds the edited package and those importing it, reruns their tests and"
    echo "  takes the other packages' results from its test cache (\`GOCACHE\` warm for this workload)."
    echo "- Nothing changed: the same command again right after."
    echo
} >>"$notes"

columns=(--column "holo=holo test --affected" --column "cargo=cargo test")
ratios=(--ratio "cargo/holo=cargo ÷ holo")
if [ "$have_go" = 1 ]; then
    columns+=(--column "go=go test ./...")
    ratios+=(--ratio "go/holo=go ÷ holo")
fi
# Two tables from one TSV: rows are cases; table.py keeps only the columns asked for.
awk -F'\t' 'NR == 1 || $1 != "check"' "$tsv" | sed 's/^edit\t/after a one-body edit\t/; s/^noop\t/nothing changed\t/' >"$scratch/tests.tsv"
awk -F'\t' 'NR == 1 || $1 == "check"' "$tsv" | sed "s/^check\t/$label\t/" >"$scratch/check.tsv"
python3 "$here/table.py" --tsv "$scratch/tests.tsv" --markdown "$scratch/tests.md" \
    --title "holo test --affected vs cargo test vs go test" --notes "$notes" --row-label case \
    "${columns[@]}" "${ratios[@]}" >/dev/null
{
    echo
    echo "## A second project with the same modules"
    echo
    echo "Cold \`holo check\` (no \`target/\`) of a copy of the workload with an empty \`HOLO_HOME\`, then of"
    echo "another copy sharing that \`HOLO_HOME\`: the second finds every module's checked results in the"
    echo "shared cache, because their keys are made of the modules' contents, not of paths."
    echo
} >"$scratch/check-notes.md"
python3 "$here/table.py" --tsv "$scratch/check.tsv" --markdown "$scratch/check.md" \
    --title "unused" --notes "$scratch/check-notes.md" --row-label workload \
    --column "holo-cold=first project (empty HOLO_HOME)" --column "holo-second=second project (shared HOLO_HOME)" \
    --ratio "holo-cold/holo-second=first ÷ second" >/dev/null
{
    cat "$scratch/tests.md"
    # The second table without table.py's title line.
    tail -n +2 "$scratch/check.md"
} | sed 's/`tests\.tsv`/`affected.tsv`/; s/`check\.tsv`/`affected.tsv`/' >"$out/affected.md"
cat "$out/affected.md"
log "written $out/affected.md (raw samples: $tsv)"
