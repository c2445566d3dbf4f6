#!/usr/bin/env bash
# The whole test suite, as the README tells a newcomer to run it. Slow suites (long fuzzing,
# many differential seeds) are behind HOLO_SLOW_TESTS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
# Build the binary first: the end-to-end tests in tests/ run the real `holo`.
cargo build --locked -p holo-cli
cargo test --workspace --locked "$@"
