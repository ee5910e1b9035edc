#!/usr/bin/env bash
# Installs what regie needs at run time and in tests when it is missing: ffmpeg (ffmpeg, ffprobe)
# mediainfo (the benchmarks' peer tool) and the OpenSSH client (sftp and ssh, for SFTP
# destinations). With --tests, also what the tests need: Node.js and npm (to build the desk),
# Chromium (the end-to-end tests drive it headless) and the OpenSSH server (delivery tests start
# their own sshd on a loopback port), and Python's venv (the OpenTimelineIO library that reads
# exported timelines back is installed from PyPI into target/test-tools by scripts/test.sh),
# espeak-ng (speech the transcription tests recognise) and Tesseract with its English and French
# data (text in the picture). With --intelligence: Tesseract and Python's venv, then the speech
# engine (scripts/install-speech.sh) for `regie transcribe` and the embedding engine
# (scripts/install-embed.sh) for semantic search.
# Debian/Ubuntu; uses sudo when not root.
set -euo pipefail
missing=()
command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
command -v mediainfo >/dev/null 2>&1 || missing+=(mediainfo)
command -v sftp >/dev/null 2>&1 && command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
if [ "${1:-}" = "--tests" ]; then
  command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
  # a font for the captions the OCR tests burn in with ffmpeg's drawtext
  [ -n "$(fc-list 2>/dev/null | head -1)" ] || missing+=(fonts-dejavu-core fontconfig)
fi
if [ "${1:-}" = "--tests" ] || [ "${1:-}" = "--intelligence" ]; then
  command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
  [ -f /usr/share/tesseract-ocr/5/tessdata/fra.traineddata ] || missing+=(tesseract-ocr-fra tesseract-ocr-eng)
  python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
fi
after() {
  if [ "${1:-}" = "--intelligence" ]; then
    bash "$(dirname "$0")/install-speech.sh"
    bash "$(dirname "$0")/install-embed.sh"
  fi
}
if [ ${#missing[@]} -eq 0 ]; then after "${1:-}"; exit 0; fi
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "installing ${missing[*]} with apt-get" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
after "${1:-}"
