#!/usr/bin/env bash
# Regenerates the recorded ffprobe output used by the parser tests (tests.rs).
# The media is generated here and thrown away; only ffprobe's JSON is kept, named after its version.
set -euo pipefail
cd "$(dirname "$0")"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
ff() { ffmpeg -nostdin -hide_banner -loglevel error -y "$@"; }
ff -f lavfi -i testsrc2=size=1280x720:rate=30000/1001 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 2 \
   -c:v libx264 -profile:v high -pix_fmt yuv420p -c:a aac -ac 2 -metadata:s:a language=fra "$work/h264_aac.mp4"
ff -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 1 -c:v prores_ks -profile:v 3 -pix_fmt yuv422p10le \
   -timecode 10:00:00:00 "$work/prores_tc.mov"
ff -f lavfi -i testsrc2=size=1920x1080:rate=25 -f lavfi -i sine=frequency=1000:sample_rate=48000 -t 1 \
   -filter_complex "[1:a]asplit=8[a0][a1][a2][a3][a4][a5][a6][a7]" -map 0:v \
   -map "[a0]" -map "[a1]" -map "[a2]" -map "[a3]" -map "[a4]" -map "[a5]" -map "[a6]" -map "[a7]" \
   -c:v mpeg2video -pix_fmt yuv422p -b:v 50M -flags +ilme+ildct -top 1 -c:a pcm_s24le -timecode 10:00:00:00 -f mxf "$work/xdcam.mxf"
ff -f lavfi -i testsrc2=size=640x360:rate=25 -f lavfi -i sine=sample_rate=48000 -t 1 -c:v libvpx-vp9 -c:a libopus "$work/vp9_opus.mkv"
ff -f lavfi -i testsrc2=size=720x576:rate=25 -f lavfi -i sine=sample_rate=48000 -t 1 -c:v mpeg2video -c:a mp2 -f mpegts "$work/mpeg2.ts"
ff -f lavfi -i sine=sample_rate=48000 -t 1 -c:a pcm_s24le "$work/pcm24.wav"
ff -f lavfi -i testsrc2=size=320x240 -frames:v 1 "$work/still.jpg"
for media in "$work"/*; do
  name=$(basename "$media"); name=${name%.*}
  version=$(ffprobe -version | head -1 | awk '{print $3}' | cut -d- -f1 | cut -d. -f1,2)
  ffprobe -hide_banner -v error -print_format json -show_format -show_streams -i "file:$media" \
    | sed "s|$work/||" > "ffprobe-$version-$name.json"
done
