"""Agreement of the native prober with ffprobe, field by field, on the files it claims; and on
the fields the issue names (container, stream count and types, codec, size, frame rate, channels,
sample rate, duration within one frame).
Usage: python3 bench/probe/agree.py REGIE FILE...
"""
import json, subprocess, sys
from fractions import Fraction
regie, files = sys.argv[1], sys.argv[2:]
def probe(path, prober):
    run = subprocess.run([regie, "probe", "--json", "--prober", prober, path], capture_output=True)
    if run.returncode != 0:
        return None
    description = json.loads(run.stdout)
    description.pop("prober", None)
    return description
def flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, value
def essentials_agree(native, ffprobe):
    if native["container"] != ffprobe["container"] or len(native["streams"]) != len(ffprobe["streams"]):
        return False
    rates = [Fraction(s["frame_rate"]) for s in ffprobe["streams"] if s.get("frame_rate")]
    frame = 1 / max(rates) if rates else Fraction(1, 1000)
    if abs(Fraction(native["duration_s"] or 0) - Fraction(ffprobe["duration_s"] or 0)) > frame:
        return False
    keys = ["type", "codec", "width", "height", "frame_rate", "channels", "sample_rate"]
    return all(a.get(k) == b.get(k) for a, b in zip(native["streams"], ffprobe["streams"]) for k in keys)
differences, claimed, agreeing, essential = {}, 0, 0, 0
declined = []
for path in files:
    native, ffprobe = probe(path, "native"), probe(path, "ffprobe")
    if native is None:
        declined.append(path.rsplit("/", 1)[-1])
        continue
    claimed += 1
    essential += essentials_agree(native, ffprobe)
    native, ffprobe = dict(flatten(native)), dict(flatten(ffprobe))
    fields = {key for key in native.keys() | ffprobe.keys() if native.get(key) != ffprobe.get(key)}
    for field in fields:
        differences.setdefault(field, []).append(path.rsplit("/", 1)[-1])
    agreeing += not fields
print(f"claimed by the native prober: {claimed}/{len(files)}; left to ffprobe: {', '.join(declined) or 'none'}")
print(f"agreement with ffprobe on the claimed files: {agreeing}/{claimed} identical in every field, "
      f"{essential}/{claimed} ({100 * essential / max(claimed, 1):.1f} %) on the named fields (target 98 %)")
for field, names in sorted(differences.items()):
    print(f"  {field}: differs on {len(names)} ({', '.join(names[:3])}{'...' if len(names) > 3 else ''})")
