#!/usr/bin/env bash
# Re-creates this folder's TensorFlow.js files from the npm registry, then checks them against SHA256SUMS.
#   bash vendor/tfjs/make.sh
# npm verifies each package tarball against the registry's integrity hash before it is unpacked.
set -euo pipefail
cd "$(dirname "$0")"
VERSION=4.22.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "@tensorflow/tfjs@$VERSION" "@tensorflow/tfjs-backend-wasm@$VERSION" >/dev/null)
tar -xzf "$work/tensorflow-tfjs-$VERSION.tgz" -C "$work" package/dist/tf.min.js
cp "$work/package/dist/tf.min.js" .
rm -rf "$work/package"
tar -xzf "$work/tensorflow-tfjs-backend-wasm-$VERSION.tgz" -C "$work" package/dist
for f in tf-backend-wasm.min.js tfjs-backend-wasm.wasm tfjs-backend-wasm-simd.wasm tfjs-backend-wasm-threaded-simd.wasm; do
  cp "$work/package/dist/$f" .
done
sha256sum -c SHA256SUMS
