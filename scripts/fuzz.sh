#!/usr/bin/env bash
# Fuzzes the card-data parsers with cargo-fuzz (libFuzzer). Not part of CI.
#   bash scripts/fuzz.sh [target] [seconds]     targets: card_files cccd_qr secure_messaging
# cargo-fuzz needs nightly flags; on a stable toolchain RUSTC_BOOTSTRAP=1 enables them.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-card_files}"
seconds="${2:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/"$target"
# Seed with the test cards' files.
python3 - "$target" <<'PY'
import json, glob, sys, os
target = sys.argv[1]
for path in glob.glob("assets/dev/cards/*.card.json"):
    card = json.load(open(path))
    name = os.path.basename(path).split(".")[0]
    if target == "cccd_qr":
        open(f"fuzz/corpus/{target}/{name}-qr", "w").write(card["qr"])
    else:
        for file, hexbytes in card["files"].items():
            open(f"fuzz/corpus/{target}/{name}-{file}", "wb").write(bytes.fromhex(hexbytes))
PY
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" fuzz/corpus/"$target" -- -max_total_time="$seconds"
