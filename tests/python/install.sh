#!/usr/bin/env bash
# Installs the official MCP Python SDK (used by the MCP end-to-end tests) and openapi-spec-validator (which checks
# the REST adapter's OpenAPI document) into tests/.venv/ (ignored by git).
# Idempotent. Exits non-zero on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(cd "$here/.." && pwd)/.venv"
want="2.3.0"
# Validates the REST adapter's OpenAPI document (`GET /openapi.json`).
validator="0.9.0"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$want' or m.version('openapi-spec-validator') != '$validator')" 2>/dev/null; then
    echo "python/install.sh: mcp $want and openapi-spec-validator $validator already installed in $venv (nothing to do)"
    exit 0
fi
echo "python/install.sh: installing mcp==$want and openapi-spec-validator==$validator into $venv ($(python3 --version))"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "mcp==$want" "openapi-spec-validator==$validator"
"$venv/bin/python" -c "import mcp, openapi_spec_validator; print('python/install.sh: mcp SDK and openapi-spec-validator ready')"
