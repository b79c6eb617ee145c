#!/usr/bin/env bash
# Validates the portal contract (docs/portal-openapi.yaml) against the OpenAPI 3.1
# specification with openapi-spec-validator (python-openapi), installed once into a virtual
# environment under target/ at a pinned version. Part of the test command; the test
# tests/portal_contract.rs checks the server's routes and answers against the same document.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/contract-venv
if [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  echo "==> installing openapi-spec-validator into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "openapi-spec-validator==0.7.2"
fi
"$venv/bin/openapi-spec-validator" docs/portal-openapi.yaml
