#!/usr/bin/env bash
# regie's main job on the embedded default: build the web desk and the binary, generate a sample
# delivery folder with ffmpeg (video, audio, stills, a sidecar, a broken file), ingest it into
# ./regie-data (SQLite + local store, created on first use), make the previews with a worker, list
# the catalogue, then serve the media desk on it: a demo administrator gets a new random password,
# printed once, and the server runs until Ctrl-C (LISTEN=host:port to choose the address).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build-web.sh || echo "warning: the web desk was not built (it needs Node.js 20.19 or newer); regie will serve the API only" >&2
cargo build --release --locked --bin regie
regie=target/release/regie
sample=${SAMPLE:-./sample-delivery}
if [ ! -d "$sample" ]; then
  mkdir -p "$sample/audio"
  ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
  ff -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 5 \
     -c:v libx264 -pix_fmt yuv420p -c:a aac "$sample/EveningNews_20261122_v01.mp4"
  ff -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 2 -c:v prores_ks -profile:v 3 -timecode 10:00:00:00 "$sample/Trailer_20261122_v02.mov"
  ff -f lavfi -i sine=frequency=440:sample_rate=48000 -t 3 -c:a pcm_s24le "$sample/audio/voice over.wav"
  ff -f lavfi -i testsrc2=size=640x360 -frames:v 1 "$sample/poster.png"
  printf '{"title": "Evening News", "series": "News", "language": "en", "keywords": ["news"], "declared": {"duration_s": 5.0, "width": 1280, "height": 720}}\n' \
    > "$sample/EveningNews_20261122_v01.json"
  head -c 4096 /dev/urandom > "$sample/broken.mp4"
fi
echo "== regie ingest $sample (the broken file is expected to fail)"
"$regie" ingest "$sample" --collection samples/demo || true
echo "== regie worker --until-idle (proxies, posters, storyboards, waveforms)"
"$regie" worker --until-idle || true
echo "== regie assets list"
"$regie" assets list
echo "== regie collections"
"$regie" collections
echo "== regie check-names $sample"
"$regie" check-names "$sample" || true
echo "== regie serve: the media desk on this catalogue (Ctrl-C stops it)"
password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 24)
if "$regie" users list --json | grep -q '"name": *"demo-admin"'; then
  printf '%s\n' "$password" | "$regie" users reset demo-admin >/dev/null
else
  printf '%s\n' "$password" | "$regie" users add demo-admin --role admin --password-stdin >/dev/null
fi
listen=${LISTEN:-127.0.0.1:8080}
echo "sign in at http://$listen as demo-admin with this password (shown only now): $password"
exec "$regie" serve --listen "$listen"
