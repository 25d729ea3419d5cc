#!/usr/bin/env bash
# Installs Stoplight Prism (the OpenAPI mock server used by tests/tests/e2e/prism_conformance.rs) into tests/.prism/
# (ignored by git). Idempotent: does nothing when a Prism 5.x is already installed there.
# Needs Node.js and npm. Exits non-zero on failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="$(cd "$here/.." && pwd)/.prism"
bin="$prefix/node_modules/.bin/prism"
version_spec="@stoplight/prism-cli@5"

for tool in node npm; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "prism/install.sh: $tool is required but not found on PATH" >&2
        exit 1
    fi
done

installed_version() {
    # Prints the installed prism-cli version, or nothing.
    local pkg="$prefix/node_modules/@stoplight/prism-cli/package.json"
    [ -f "$pkg" ] || return 0
    node -e 'process.stdout.write(require(process.argv[1]).version || "")' "$pkg" 2>/dev/null || true
}

current="$(installed_version)"
if [ -x "$bin" ] && [[ "$current" == 5.* ]]; then
    echo "prism/install.sh: Prism $current already installed in $prefix (nothing to do)"
else
    echo "prism/install.sh: installing $version_spec into $prefix (node $(node --version), npm $(npm --version))"
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "$version_spec"
    current="$(installed_version)"
    if [ ! -x "$bin" ] || [[ "$current" != 5.* ]]; then
        echo "prism/install.sh: installation failed: no Prism 5.x at $bin (found version '${current}')" >&2
        exit 1
    fi
    echo "prism/install.sh: installed Prism $current"
fi

# Smoke check: the binary runs.
if ! out="$("$bin" --version 2>&1)"; then
    echo "prism/install.sh: $bin --version failed: $out" >&2
    exit 1
fi
echo "prism/install.sh: $bin --version: $out"
