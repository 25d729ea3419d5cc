#!/usr/bin/env bash
# Installs the official MCP Python SDK (used by the MCP end-to-end tests) into tests/.venv/ (ignored by git).
# Idempotent. Exits non-zero on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$(cd "$here/.." && pwd)/.venv"
want="2.3.0"

if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$want')" 2>/dev/null; then
    echo "python/install.sh: mcp $want already installed in $venv (nothing to do)"
    exit 0
fi
echo "python/install.sh: installing mcp==$want into $venv ($(python3 --version))"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "mcp==$want"
"$venv/bin/python" -c "import mcp; print('python/install.sh: mcp SDK ready')"
