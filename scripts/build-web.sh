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
found=$(node -e 'const [major, minor] = process.versions.node.split(".").map(Number);
  process.stdout.write(major > 20 || (major === 20 && minor >= 19) ? "ok" : process.versions.node)')
if [ "$found" != ok ]; then
  echo "the web desk needs Node.js 20.19 or newer (found $found): install it and run this again" >&2
  exit 1
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npx vite build --logLevel warn
