#!/usr/bin/env bash
# The benchmark table (`xakiosk bench`), with what its peers need installed first: sysbench
# (the single-thread score behind the Pi 4 rendering estimate), Xvfb and Debian's chromium
# (the cold-start peer: Chromium in kiosk mode in the same virtual display). Builds the
# release binary, then runs the table; arguments go to `xakiosk bench` (e.g. `--quick`,
# `--only ui`). Run on a quiet machine: figures vary between machines, ratios less so.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh sysbench xvfb chromium
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
cargo build --release --locked
exec ./target/release/xakiosk bench "$@"
