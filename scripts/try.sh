#!/usr/bin/env bash
# regie's main job on the embedded default: build the binary, generate a sample delivery folder
# with ffmpeg (video, audio, stills, a sidecar, a broken file), ingest it into ./regie-data
# (SQLite + local store, created on first use), make the previews with a worker and list the
# catalogue.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
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
