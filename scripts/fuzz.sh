#!/usr/bin/env bash
# Coverage-guided fuzzing of the native prober (fuzz/) with cargo-fuzz and libFuzzer on the
# nightly toolchain, from seeds ffmpeg makes for every format it reads, SECONDS per format
# (default 8). An input that crashes it is kept in fuzz/artifacts/native_prober/ and fails the
# run: add it to the regressions of crates/regie-media/src/native/tests/fuzz.rs.
# Prints one "test result:" line per format, which scripts/test.sh counts. Without a nightly
# toolchain it says so and stops; the stable fuzzer in regie-media's tests runs either way.
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-${REGIE_CARGO_FUZZ_SECONDS:-8}}
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  echo "no nightly toolchain: cargo-fuzz is skipped (rustup toolchain install nightly to run it)"
  exit 0
fi
tools=$PWD/target/test-tools/cargo-fuzz
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
  cargo install --quiet --locked --root "$tools" cargo-fuzz --version 0.13.2
fi
export PATH=$tools/bin:$PATH
corpus=$PWD/target/fuzz-corpus
seed() { # FORMAT NAME FFMPEG-ARGUMENTS...
  mkdir -p "$corpus/$1"
  [ -s "$corpus/$1/$2" ] || ffmpeg -nostdin -v error -y "${@:3}" "$corpus/$1/$2"
}
picture=(-f lavfi -i testsrc2=size=64x36:rate=25:duration=0.2)
sound=(-f lavfi -i sine=frequency=440:duration=0.2:sample_rate=48000)
seed wav s24.wav "${sound[@]}" -c:a pcm_s24le
seed wav rf64.wav "${sound[@]}" -c:a pcm_s16le -rf64 always
seed aiff s16.aiff "${sound[@]}" -c:a pcm_s16be
seed flac s16.flac "${sound[@]}" -c:a flac
seed mp3 cbr.mp3 "${sound[@]}" -c:a libmp3lame -b:a 64k
seed mp3 layer2.mp2 "${sound[@]}" -c:a mp2
seed png rgb.png "${picture[@]}" -frames:v 1 -pix_fmt rgb24
seed jpeg yuv.jpg "${picture[@]}" -frames:v 1
seed tiff rgb.tif "${picture[@]}" -frames:v 1 -pix_fmt rgb24 -compression_algo lzw
seed dpx rgb10.dpx "${picture[@]}" -frames:v 1 -pix_fmt gbrp10le
seed exr half.exr "${picture[@]}" -frames:v 1 -pix_fmt gbrpf32le -c:v exr -format 1
seed mp4 h264-aac.mp4 "${picture[@]}" "${sound[@]}" -c:v libx264 -preset ultrafast -c:a aac
seed mp4 hevc.mp4 "${picture[@]}" -c:v libx265 -preset ultrafast -x265-params log-level=none
seed mov prores-tc.mov "${picture[@]}" "${sound[@]}" -c:v prores_ks -c:a pcm_s24le -timecode 10:00:00:00
seed matroska h264-opus.mkv "${picture[@]}" "${sound[@]}" -c:v libx264 -preset ultrafast -c:a libopus
seed matroska vp9.webm "${picture[@]}" -c:v libvpx-vp9 -deadline realtime
seed mxf mpeg2-pcm.mxf -f lavfi -i testsrc2=size=128x72:rate=25:duration=0.2 "${sound[@]}" -c:v mpeg2video -c:a pcm_s16le -timecode 01:00:00:00
seed mpegts h264-aac.ts "${picture[@]}" "${sound[@]}" -c:v libx264 -preset ultrafast -c:a aac
# Overflow checks and debug assertions on: an arithmetic overflow is a crash here.
cargo +nightly fuzz build --fuzz-dir fuzz --debug-assertions native_prober
status=0
formats=${REGIE_CARGO_FUZZ_FORMATS:-wav aiff flac mp3 png jpeg tiff dpx exr mp4 mov matroska mxf mpegts}
for format in $formats; do
  log=$(mktemp)
  if cargo +nightly fuzz run --fuzz-dir fuzz --debug-assertions native_prober "$corpus/$format" -- \
      -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=10 >"$log" 2>&1; then
    runs=$(grep -o 'Done [0-9]* runs' "$log" | awk '{print $2}' | tail -1)
    echo "cargo-fuzz $format: ${runs:-?} inputs in $seconds s, no crash"
    echo "test result: ok. 1 passed; 0 failed; 0 ignored (cargo-fuzz $format)"
  else
    grep -m3 -A3 'panicked' "$log" || true
    tail -25 "$log"
    echo "test result: FAILED. 0 passed; 1 failed; 0 ignored (cargo-fuzz $format; its input is in fuzz/artifacts/native_prober/)"
    status=1
  fi
  rm -f "$log"
done
exit "$status"
