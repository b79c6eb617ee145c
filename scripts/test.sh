#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs every test: unit tests of the domain core, the store
# (including kill -9 mid-write), the UI driven through Slint's testing backend, and the
# headless demo of every procedure. Slow suites (benchmarks) are not part of it: see README.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
cargo test --locked --all-targets
