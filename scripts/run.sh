#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs the kiosk with simulated devices and the built-in
# reference portal (`--development`: the development layer, never on a real kiosk): a window
# where there is a display; otherwise the headless walk-through, which leaves a PNG of every
# screen.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
cargo build --release --locked
if [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; then
  exec ./target/release/xakiosk --development "$@"
else
  echo "No display here: running the headless walk-through instead (screens in ./demo-out)."
  exec ./target/release/xakiosk demo --out demo-out "$@"
fi
