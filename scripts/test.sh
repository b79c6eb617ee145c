#!/usr/bin/env bash
# Sets up a Debian 12 machine and runs every check and test: formatting, clippy (desktop
# and appliance builds, warnings are errors), the licenses and duplicate versions of the
# dependencies (cargo-deny), the portal contract against OpenAPI 3.1, then the unit tests of the domain core, the store (including
# kill -9 mid-write), the UI driven through Slint's testing backend, the layering rules
# (tests/architecture.rs) and the headless demo of every procedure. Slow suites (benchmarks,
# the image build, QEMU boots, soak, fuzzing) are not part of it: see README.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ -f "$HOME/.cargo/env" ]; then . "$HOME/.cargo/env"; fi
echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> the portal contract is valid OpenAPI 3.1 (docs/portal-openapi.yaml)"
bash scripts/check-contract.sh
echo "==> cargo deny check licenses bans"
cargo deny --locked check licenses bans
echo "==> cargo clippy: the desktop build (all targets), the appliance build (no portal, no tools)"
cargo clippy --locked --all-targets -- -D warnings
cargo clippy --locked --no-default-features --features kms -- -D warnings
cargo test --locked --all-targets
