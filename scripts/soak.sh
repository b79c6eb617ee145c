#!/usr/bin/env bash
# Slow suites, kept out of the test command: a thousand kill -9 trials of the sync crash test
# (release build). Run after scripts/test.sh has set the machine up.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
XAKIOSK_CRASH_TRIALS="${XAKIOSK_CRASH_TRIALS:-1000}" cargo test --release --locked --test sync_crash -- --nocapture
