#!/usr/bin/env bash
# Builds the media desk (web/, Svelte + Vite) into web/dist/, which the regie binary embeds.
# Needs Node.js 20.19+ and npm (installed from Debian's packages when missing); the packages come
# from the npm registry, pinned by web/package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/../web"
if ! command -v npm >/dev/null 2>&1; then
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  echo "installing nodejs and npm with apt-get" >&2
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx vite build --logLevel warn
