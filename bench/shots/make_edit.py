#!/usr/bin/env python3
"""Builds an edit from real footage with known transitions, for scoring shot detection.

Shots are taken from stretches of the footage that hold no cut of their own (the montage of
bikes.mp4 and the Megamind trailer are split at theirs), two shots in a row never from the same
file; between them a hard cut, a crossfade (xfade fade) or a fade through black (xfade fadeblack).
Writes EDIT (H.264) and EDIT.truth.json: {"frames", "rate", "cuts": [first frame of the new shot],
"gradual": [[first frame of the transition, frame after it], ...]}.

    make_edit.py --footage DIR --seconds 90 --size 640x360 --seed 7 --out edit.mp4
"""

import argparse
import json
import os
import random
import subprocess
import tempfile

RATE = 25

# (file, start s, end s): stretches without a cut inside (found with ffmpeg's scdet and by eye).
UNITS = [
    ("bikes.mp4", 0.00, 1.16), ("bikes.mp4", 1.24, 3.00), ("bikes.mp4", 3.08, 5.44),
    ("bikes.mp4", 5.52, 7.44), ("bikes.mp4", 7.52, 9.64),
    ("Megamind.avi", 0.20, 4.08), ("Megamind.avi", 4.17, 6.42), ("Megamind.avi", 6.50, 8.34),
    ("Megamind.avi", 8.42, 11.20),
    ("bigbuckbunny.mp4", 0.00, 5.20), ("box.mp4", 0.00, 15.10), ("cup.mp4", 0.30, 8.00),
    ("carphone_pristine.mp4", 0.00, 4.00), ("tree.avi", 0.00, 29.50), ("vtest.avi", 0.00, 79.40),
]


def plan(seconds, seed, footage):
    units = [unit for unit in UNITS if os.path.exists(os.path.join(footage, unit[0]))]
    if len({unit[0] for unit in units}) < 2:
        raise SystemExit(f"need footage from at least two files in {footage}")
    rng = random.Random(seed)
    shots, transitions, total, last_file = [], [], 0, None
    free = 0  # frames of the previous shot not taken by its own incoming transition
    while total < seconds * RATE:
        file, start, end = rng.choice([unit for unit in units if unit[0] != last_file])
        frames = min(rng.randint(RATE, 4 * RATE), int((end - start) * RATE))
        offset = start + rng.uniform(0, max(0.0, (end - start) - frames / RATE))
        length = 0
        if shots:
            kind = rng.choices(["cut", "fade", "fadeblack"], [70, 15, 15])[0]
            # Every shot keeps at least half of itself clear of transitions.
            length = 0 if kind == "cut" else min(rng.randint(10, 30), frames // 3, free // 2)
            transitions.append((kind if length >= 6 else "cut", length if length >= 6 else 0))
            length = transitions[-1][1]
            total -= length
        free = frames - length
        shots.append((file, offset, frames))
        total += frames
        last_file = file
    return shots, transitions


def build(shots, transitions, footage, size, out, chunk=12):
    """Chunks of shots joined in one filter graph each, then the chunks concatenated (a cut)."""
    width, height = size.split("x")
    cuts, gradual, position = [], [], 0
    pieces = []
    work = tempfile.mkdtemp(prefix="edit-")
    index = 0
    while index < len(shots):
        group = list(range(index, min(index + chunk, len(shots))))
        inputs, graph = [], []
        for n, shot in enumerate(group):
            file, offset, frames = shots[shot]
            inputs += ["-ss", f"{offset:.3f}", "-t", f"{frames / RATE + 1:.3f}", "-i", os.path.join(footage, file)]
            graph.append(
                f"[{n}:v]fps={RATE},scale={width}:{height}:force_original_aspect_ratio=increase,"
                f"crop={width}:{height},setsar=1,format=yuv420p,trim=start_frame=0:end_frame={frames},"
                f"setpts=PTS-STARTPTS,settb=AVTB[s{n}]"
            )
        current, length = "s0", shots[group[0]][2]
        if pieces:
            cuts.append(position)
        for n, shot in enumerate(group[1:], start=1):
            kind, overlap = transitions[shot - 1] if shot - 1 < len(transitions) else ("cut", 0)
            if shot == group[0]:
                continue
            label = f"j{n}"
            if kind == "cut":
                graph.append(f"[{current}][s{n}]concat=n=2:v=1:a=0[{label}]")
                cuts.append(position + length)
                length += shots[shot][2]
            else:
                offset_s = (length - overlap) / RATE
                graph.append(
                    f"[{current}][s{n}]xfade=transition={kind}:duration={overlap / RATE:.3f}:offset={offset_s:.3f},"
                    f"settb=AVTB[{label}]"
                )
                gradual.append([position + length - overlap, position + length])
                length += shots[shot][2] - overlap
            current = label
        # Every piece encoded alike (so they join without re-encoding), headers in band.
        piece = os.path.join(work, f"piece{len(pieces):04d}.ts")
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", *inputs, "-filter_complex", ";".join(graph), "-map", f"[{current}]",
             "-frames:v", str(length), "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-g", "50",
             "-pix_fmt", "yuv420p", "-an", "-f", "mpegts", piece],
            check=True,
        )
        pieces.append(piece)
        position += length
        index = group[-1] + 1
        # The chunk boundary is a cut, whatever the plan said.
        if index < len(shots) and index - 1 < len(transitions):
            transitions[index - 1] = ("cut", 0)
    listing = os.path.join(work, "pieces.txt")
    with open(listing, "w") as handle:
        handle.writelines(f"file '{piece}'\n" for piece in pieces)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", listing, "-c", "copy", "-an", out],
        check=True,
    )
    for piece in pieces:
        os.remove(piece)
    os.remove(listing)
    os.rmdir(work)
    return {"frames": position, "rate": RATE, "cuts": cuts, "gradual": gradual}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--footage", required=True)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    shots, transitions = plan(arguments.seconds, arguments.seed, arguments.footage)
    truth = build(shots, transitions, arguments.footage, arguments.size, arguments.out)
    with open(arguments.out + ".truth.json", "w") as handle:
        json.dump(truth, handle)
    print(json.dumps({"frames": truth["frames"], "cuts": len(truth["cuts"]), "gradual": len(truth["gradual"])}))


if __name__ == "__main__":
    main()
