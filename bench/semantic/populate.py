"""Fills a regie catalogue (SQLite) with ASSETS assets for bench/semantic's latency run, each with
a description passage, and one in ten with TRANSCRIPT more passages (stretches of a transcript):
random unit vectors of 384 values stored as regie stores them (a little-endian f32 scale and 384
signed bytes, base64). The catalogue must exist (made by regie); rows go straight into its tables,
the way `regie move` would find them."""

import argparse
import base64
import random
import sqlite3
import struct
import uuid

parser = argparse.ArgumentParser()
parser.add_argument("catalogue")
parser.add_argument("--assets", type=int, default=100_000)
parser.add_argument("--transcript", type=int, default=20)
parser.add_argument("--seed", type=int, default=1)
arguments = parser.parse_args()
generator = random.Random(arguments.seed)


def vector():
    values = [generator.gauss(0, 1) for _ in range(384)]
    norm = sum(value * value for value in values) ** 0.5
    values = [value / norm for value in values]
    scale = max(abs(value) for value in values) / 127
    quantized = bytes((round(value / scale) & 0xFF) for value in values)
    return base64.b64encode(struct.pack("<f", scale) + quantized).decode("ascii")


database = sqlite3.connect(arguments.catalogue)
database.execute("PRAGMA journal_mode = WAL")
collection = str(uuid.uuid4())
now = "2026-11-29T00:00:00Z"
database.execute("INSERT INTO collections (id, path, name, parent_id, created_at) VALUES (?, 'bench-semantic-load', 'bench-semantic-load', NULL, ?)", (collection, now))
assets, passages = [], []


def flush():
    database.executemany("INSERT INTO assets (id, house_id, name, collection_id, source_path, created_at, metadata) VALUES (?, ?, ?, ?, '', ?, ?)", assets)
    database.executemany("INSERT INTO passages (asset_id, position, source, start_ms, end_ms, text_sha256, vector, model, embedded_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'bench', ?)", passages)
    assets.clear(); passages.clear()


for number in range(arguments.assets):
    asset_id = str(uuid.uuid4())
    assets.append((asset_id, f"LOAD-{number:06d}", f"load-{number}.mxf", collection, now, '{"title": "Programme %d"}' % number))
    passages.append((asset_id, 0, "description", None, None, "0" * 64, vector(), now))
    if number % 10 == 0:
        for position in range(1, arguments.transcript + 1):
            start = (position - 1) * 90_000
            passages.append((asset_id, position, "transcript", start, start + 90_000, "0" * 64, vector(), now))
    if len(assets) >= 5_000:
        flush()
flush()
database.execute("INSERT INTO passage_generation (id, generation) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET generation = generation + 1")
database.commit()
print(database.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
