#!/usr/bin/env bash
# Checks the architecture invariants of ARCHITECTURE.md that can be checked mechanically: which
# crates may depend on which. Exits non-zero, naming the offending edge, if a layer is crossed.
set -euo pipefail
cd "$(dirname "$0")/.."

fail=0
# forbid CRATE DEP REASON: `CRATE` must not depend on `DEP`, directly or transitively.
forbid() {
    local crate=$1 dep=$2 reason=$3
    # `cargo tree -i DEP` prints nothing (and fails) when DEP is not in CRATE's graph.
    if out=$(cargo tree --offline -e normal,build -p "$crate" -i "$dep" 2>/dev/null) && [ -n "$out" ]; then
        echo "layering violation: $crate depends on $dep ($reason):"
        echo "$out" | sed 's/^/    /'
        fail=1
    fi
}

for dep in redb clap lsp-server lsp-types tiny_http ureq notify notify-debouncer-full indicatif tracing-subscriber anstream cranelift-codegen cranelift-jit holo-db holo-pkg holo-runner holo-cli; do
    forbid holo-compiler "$dep" "the compiler does no IO and knows nothing of storage, the command line, LSP, HTTP or machine code"
done
for dep in holo-compiler holo-runner holo-pkg holo-cli clap salsa; do
    forbid holo-db "$dep" "the store knows nothing of the language or the command line"
done
for dep in clap lsp-server lsp-types holo-cli; do
    forbid holo-runner "$dep" "the runner knows nothing of the command line or LSP"
done
for dep in holo-compiler holo-runner holo-db holo-cli salsa clap; do
    forbid holo-pkg "$dep" "package management knows nothing of the compiler's internals or the command line"
done

# Only holo-cli prints: no print macros outside it (tests, benches and the bench generator excepted).
if grep -rnE '\b(e?println!|e?print!|dbg!)\(' holo-compiler/src holo-db/src holo-runner/src holo-pkg/src \
    | grep -vE '^\S+/tests?\.rs:|/tests/' ; then
    echo "layering violation: only holo-cli prints (found print macros above)"
    fail=1
fi

# The library part of holo-cli (the project host, the pure renderers) computes answers as events
# and never prints: only the binary's front-ends (printer, shell, commands) write to the terminal.
lib_files=$(sed -n 's/^pub mod \([a-z_]*\);/\1/p' holo-cli/src/lib.rs | while read -r m; do
    if [ -d "holo-cli/src/$m" ]; then echo "holo-cli/src/$m"; else echo "holo-cli/src/$m.rs"; fi
done)
if grep -rnE '\b(e?println!|e?print!|dbg!)\(|std::io::(stdout|stderr)\(|\bShell\b|indicatif' holo-cli/src/lib.rs $lib_files \
    | grep -vE '^\S+:[0-9]+:\s*//' ; then
    echo "layering violation: the library part of holo-cli (the project host) never prints (found above)"
    fail=1
fi

if [ "$fail" -eq 0 ]; then
    echo "layering: ok"
fi
exit "$fail"
