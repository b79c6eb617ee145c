#!/usr/bin/env bash
# Fuzzes the parsers of untrusted input with cargo-fuzz (libFuzzer). Not part of CI.
#   bash scripts/fuzz.sh [target] [seconds]
# targets: card_files cccd_qr secure_messaging hostile_card (card data; hostile_card: a card
# answering the whole reading, PACE included), portal_requests (the portal's
# router on any request, signed or not), portal_answers (what a kiosk reads from a portal).
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
if target == "portal_answers":
    procedures = {os.path.basename(p): open(p).read() for p in glob.glob("assets/procedures/*.toml")}
    bundle = {"version": 2, "published_at": "2026-12-07T00:00:00Z", "procedures": procedures,
              "offices": open("assets/offices.toml").read()}
    open(f"fuzz/corpus/{target}/bundle.json", "w").write(json.dumps(bundle, ensure_ascii=False))
    open(f"fuzz/corpus/{target}/status.json", "w").write(
        '{"cursor":3,"changes":[{"id":"0190a7a4-7a2b-7c3d-8e4f-a1b2c3d4e5f6","state":"needs_fix",'
        '"note":"x","at":"2026-12-07T00:00:00Z","request":{"what":"x","fields":["paper"],"due":"2026-12-20"}}]}')
    sys.exit(0)
if target == "portal_requests":
    seeds = {
        "enroll": b"\x00authorization: Bearer a-long-shared-enrollment-token\ncontent-type: application/json\n\n"
                  b'{"kiosk_id":"K2","public_key":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","place":"","app_version":"1"}',
        "dossier": b"\x81content-type: application/json\n\n"
                   b'{"code":"AAAAAAAA1","procedure_id":"p","procedure_version":1,"kiosk_id":"K-FUZZ",'
                   b'"submitted_at":"2026-12-07T00:00:00Z","sealed_answers":"c2VhbGVk","attachments":[]}',
        "chunk": b"\x83content-type: application/offset+octet-stream\nupload-offset: 0\nupload-length: 4\n"
                 b"upload-checksum: sha256 88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589\n\nabcd",
        "dossier-digest": b"\xc1content-type: application/json\n\n{}",
        "chunk-digest": b"\xc3content-type: application/offset+octet-stream\nupload-offset: 0\nupload-length: 4\n"
                        b"upload-checksum: sha256 88d4266fd4e6338d13b845fcf289579d209c897823b9217da3e161936f031589\n\nabcd",
        "sign-in": b"\x0ccontent-type: application/x-www-form-urlencoded\norigin: http://127.0.0.1:8787\n\nname=a&password=b&form_token=c",
    }
    for name, data in seeds.items():
        open(f"fuzz/corpus/{target}/{name}", "wb").write(data)
    sys.exit(0)
for path in glob.glob("assets/dev/cards/*.card.json"):
    card = json.load(open(path))
    name = os.path.basename(path).split(".")[0]
    if target == "cccd_qr":
        open(f"fuzz/corpus/{target}/{name}-qr", "w").write(card["qr"])
    else:
        for file, hexbytes in card["files"].items():
            open(f"fuzz/corpus/{target}/{name}-{file}", "wb").write(bytes.fromhex(hexbytes))
PY
# The portal's inputs are larger than card files: let the fuzzer grow them past the seeds.
max_len=4096
case "$target" in portal_*) max_len=65536 ;; esac
RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" fuzz/corpus/"$target" -- \
  -max_total_time="$seconds" -max_len="$max_len"
