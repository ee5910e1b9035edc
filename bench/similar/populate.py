"""Fills a regie catalogue (SQLite) with ASSETS fingerprinted assets for bench/similar/run: each
has SAMPLES seconds of random 64-bit hashes (three framings a second, as regie stores them), and
COPIES of them are near copies of another (each hash with 2 to 8 bits flipped). Prints the ids of
the copies, one a line. The catalogue must exist (made by regie); rows go straight into its
tables, the way `regie move` would find them."""

import argparse
import random
import sqlite3
import uuid

parser = argparse.ArgumentParser()
parser.add_argument("catalogue")
parser.add_argument("--assets", type=int, default=100_000)
parser.add_argument("--samples", type=int, default=10)
parser.add_argument("--copies", type=int, default=200)
parser.add_argument("--seed", type=int, default=1)
arguments = parser.parse_args()
generator = random.Random(arguments.seed)


def signed(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def rows_of(asset_id, hashes):
    for second, framings in enumerate(hashes):
        for crop, value in zip((100, 85, 70), framings):
            yield (asset_id, second * 1000, crop, signed(value), value & 0xFFFF, (value >> 16) & 0xFFFF,
                   (value >> 32) & 0xFFFF, (value >> 48) & 0xFFFF)


def flipped(value):
    for bit in generator.sample(range(64), generator.randint(2, 8)):
        value ^= 1 << bit
    return value


database = sqlite3.connect(arguments.catalogue)
database.execute("PRAGMA journal_mode = WAL")
collection = str(uuid.uuid4())
database.execute("INSERT INTO collections (id, path, name, parent_id, created_at) VALUES (?, 'bench-similar', 'bench-similar', NULL, '2026-11-29T00:00:00Z')", (collection,))
originals = []
copies = []
batch_assets, batch_rows, batch_runs = [], [], []


def flush():
    database.executemany("INSERT INTO assets (id, house_id, name, collection_id, source_path, created_at) VALUES (?, ?, ?, ?, '', '2026-11-29T00:00:00Z')", batch_assets)
    database.executemany("INSERT INTO fingerprints (asset_id, t_ms, crop, hash, band0, band1, band2, band3) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch_rows)
    database.executemany("INSERT INTO fingerprint_runs (asset_id, samples, created_at) VALUES (?, ?, '2026-11-29T00:00:00Z')", batch_runs)
    batch_assets.clear(); batch_rows.clear(); batch_runs.clear()


for number in range(arguments.assets):
    asset_id = str(uuid.uuid4())
    if number >= arguments.copies and number % (arguments.assets // arguments.copies) == 0 and len(copies) < arguments.copies:
        source = generator.choice(originals)
        hashes = [tuple(flipped(value) for value in framings) for framings in source]
        copies.append(asset_id)
    else:
        hashes = [tuple(generator.getrandbits(64) for _ in range(3)) for _ in range(arguments.samples)]
        if len(originals) < 10_000:
            originals.append(hashes)
    batch_assets.append((asset_id, f"BENCH-{number:07d}", f"bench-{number}.mp4", collection))
    batch_rows.extend(rows_of(asset_id, hashes))
    batch_runs.append((asset_id, len(hashes)))
    if len(batch_assets) >= 5_000:
        flush()
flush()
database.commit()
database.execute("ANALYZE")
database.close()
print("\n".join(copies))
