#!/usr/bin/env bash
# Re-creates this folder's axe-core files from the npm registry, then checks them against SHA256SUMS.
#   bash vendor/axe-core/make.sh
# npm verifies the package tarball against the registry's integrity hash before it is unpacked.
set -euo pipefail
cd "$(dirname "$0")"
VERSION=4.14.1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "axe-core@$VERSION" >/dev/null)
tar -xzf "$work/axe-core-$VERSION.tgz" -C "$work" package/axe.min.js package/LICENSE package/LICENSE-3RD-PARTY.txt
for f in axe.min.js LICENSE LICENSE-3RD-PARTY.txt; do
  cp "$work/package/$f" .
done
sha256sum -c SHA256SUMS
