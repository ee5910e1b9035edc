#!/usr/bin/env python3
"""The search benchmark's data and queries, deterministic for a given seed.

  search_corpus.py records N OUT.jsonl   -- N catalogue records (French and English titles and
                                             synopses from a vocabulary with Zipf-like word
                                             frequencies, keywords, contributors, tags, dates,
                                             technical facts), one JSON object per line
  search_corpus.py fts OUT.jsonl DB      -- the same records into an SQLite FTS5 table
                                             (unicode61, diacritics removed), timed by the caller
  search_corpus.py queries N OUT.json    -- N queries, each as [regie_query, fts5_query]
  search_corpus.py measure-fts DB Q.json -- runs each FTS5 query (top 20 by rank and the count,
                                             as regie answers both), prints one latency (ms) per line
  search_corpus.py measure-regie URL TOKEN Q.json
                                          -- the same queries against GET /api/v1/search over one
                                             kept-alive HTTP connection, one latency (ms) per line
"""

import http.client
import json
import random
import sqlite3
import sys
import time
import urllib.parse

FRENCH = """journal télévisé soir matin édition spéciale météo tempête élection président ministre
gouvernement assemblée grève manifestation économie marché bourse emploi chômage santé hôpital école
université étudiants culture cinéma festival théâtre musique concert chanson orchestre sport football
rugby tennis cyclisme tour france championnat coupe victoire défaite match équipe joueur entraîneur
région bretagne normandie provence alsace paris lyon marseille bordeaux lille toulouse nantes village
campagne agriculture agriculteurs vignoble vendanges pêche montagne neige forêt incendie inondation
sécheresse climat environnement énergie nucléaire électricité transport train grève aéroport avion
route accident sécurité police justice procès tribunal enquête témoignage reportage documentaire
portrait entretien débat magazine histoire guerre mémoire archives patrimoine château cathédrale
musée exposition peintre sculpteur écrivain roman livre bibliothèque science recherche espace fusée
satellite médecine vaccin épidémie hiver printemps été automne noël fête nationale défilé juillet""".split()

ENGLISH = """news evening morning special edition weather storm election president minister government
parliament strike protest economy market stocks jobs unemployment health hospital school university
students culture cinema festival theatre music concert song orchestra sport football rugby tennis
cycling championship cup victory defeat match team player coach region london manchester liverpool
edinburgh cardiff village countryside farming farmers vineyard harvest fishing mountain snow forest
wildfire flood drought climate environment energy nuclear electricity transport railway airport
aircraft road accident safety police justice trial court inquiry testimony report documentary portrait
interview debate magazine history war memory archives heritage castle cathedral museum exhibition
painter sculptor writer novel book library science research space rocket satellite medicine vaccine
epidemic winter spring summer autumn christmas celebration parade programme highlights coverage""".split()

FIRST = "Anne Marie Pierre Jean Claire Louis Sophie Paul Julie Marc Emma Thomas Laura David Sarah James Helen Robert".split()
LAST = "Durand Martin Bernard Dubois Moreau Laurent Simon Michel Lefebvre Leroy Smith Jones Taylor Brown Wilson Evans".split()
TAGS = "archive rediffusion inédit restored colour monochrome hd-master sous-titré subtitled vf vo exclusive premiere replay live studio exterior interview breaking".split()
COLLECTIONS = [
    "news/national", "news/regional", "news/international", "sport/football", "sport/rugby", "sport/cycling",
    "culture/cinema", "culture/music", "culture/heritage", "documentary/history", "documentary/science",
    "documentary/nature", "magazine/society", "magazine/economy", "archive/1960s", "archive/1970s",
    "archive/1980s", "archive/1990s", "youth/animation", "fiction/series",
]
RIGHTS = ["Agence Lumière", "INA", "Pathé", "BBC Studios", "Gaumont", "France Télévisions", "Reuters", "AP Archive"]
CODECS = [["mpeg2video", "pcm_s24le"], ["h264", "aac"], ["prores", "pcm_s24le"], ["dnxhd", "pcm_s16le"], ["hevc", "eac3"]]
HEIGHTS = [480, 576, 720, 1080, 2160]


def zipf_words(rng, vocabulary, count):
    weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(vocabulary))]
    return rng.choices(vocabulary, weights=weights, k=count)


def record(rng, index):
    french = rng.random() < 0.6
    vocabulary = FRENCH if french else ENGLISH
    title = " ".join(zipf_words(rng, vocabulary, rng.randint(3, 6))).capitalize()
    synopsis = " ".join(zipf_words(rng, vocabulary, rng.randint(15, 35))).capitalize() + "."
    year = rng.randint(1960, 2026)
    month = rng.randint(1, 12)
    day = rng.randint(1, 28)
    codecs = rng.choice(CODECS)
    out = {
        "house_id": f"BENCH-{index:07d}",
        "collection": rng.choice(COLLECTIONS),
        "title": title,
        "series": " ".join(zipf_words(rng, vocabulary, 2)).title(),
        "episode": str(rng.randint(1, 300)),
        "synopsis": synopsis,
        "language": "fr" if french else "en",
        "keywords": sorted(set(zipf_words(rng, vocabulary, rng.randint(2, 4)))),
        "contributors": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(rng.randint(1, 3))],
        "rights_holder": rng.choice(RIGHTS),
        "tags": sorted(set(rng.sample(TAGS, rng.randint(1, 3)))),
        "air_date": f"{year:04d}-{month:02d}-{day:02d}",
        "technical": {
            "container": "mxf" if codecs[0] in ("mpeg2video", "dnxhd") else rng.choice(["mov", "mp4"]),
            "codecs": codecs,
            "height": rng.choice(HEIGHTS),
            "frame_rate": rng.choice([25.0, 29.97, 50.0]),
            "duration_s": float(rng.randint(30, 7200)),
            "audio_layout": rng.choice(["stereo", "5.1", "mono"]),
        },
    }
    if rng.random() < 0.3:
        out["capture_date"] = f"{year:04d}-{month:02d}"
    return out


def write_records(count, path):
    rng = random.Random(20261122)
    with open(path, "w", encoding="utf-8") as out:
        for index in range(count):
            out.write(json.dumps(record(rng, index), ensure_ascii=False))
            out.write("\n")


def build_fts(path, database):
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    connection.execute(
        "CREATE VIRTUAL TABLE assets USING fts5(house_id UNINDEXED, title, series, synopsis, keywords,"
        " contributors, rights, tags, collection, tokenize = 'unicode61 remove_diacritics 2')"
    )
    rows = []
    with open(path, encoding="utf-8") as records:
        for line in records:
            item = json.loads(line)
            rows.append((
                item["house_id"], item["title"], item["series"], item["synopsis"], " ".join(item["keywords"]),
                " ".join(item["contributors"]), item["rights_holder"], " ".join(item["tags"]), item["collection"],
            ))
            if len(rows) == 10_000:
                connection.executemany("INSERT INTO assets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
                rows.clear()
    connection.executemany("INSERT INTO assets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    connection.commit()
    connection.close()


def queries(count, path):
    """A mix editors type: single words of every frequency, two words, phrases, prefixes as they
    type, and a word narrowed by a tag."""
    rng = random.Random(7)
    out = []
    kinds = ["word"] * 8 + ["two"] * 4 + ["phrase"] * 3 + ["prefix"] * 3 + ["tagged"] * 2
    while len(out) < count:
        kind = rng.choice(kinds)
        vocabulary = FRENCH if rng.random() < 0.6 else ENGLISH
        word = rng.choice(vocabulary)
        other = rng.choice(vocabulary)
        if kind == "word":
            out.append([word, f'"{word}"'])
        elif kind == "two":
            out.append([f"{word} {other}", f'"{word}" AND "{other}"'])
        elif kind == "phrase":
            out.append([f'"{word} {other}"', f'"{word} {other}"'])
        elif kind == "prefix" and len(word) >= 5:
            stem = word[: rng.randint(3, 4)]
            out.append([f"{stem}*", f'"{stem}" *'])
        elif kind == "tagged":
            tag = rng.choice(["archive", "replay", "live", "premiere"])
            out.append([f"{word} tag:{tag}", f'"{word}" AND tags : "{tag}"'])
    with open(path, "w", encoding="utf-8") as target:
        json.dump(out, target, ensure_ascii=False)


def measure_fts(database, query_file):
    connection = sqlite3.connect(database)
    with open(query_file, encoding="utf-8") as source:
        pairs = json.load(source)
    for _, fts in pairs[:5]:  # warm the page cache like regie's first queries do
        connection.execute("SELECT count(*) FROM assets WHERE assets MATCH ?", (fts,)).fetchone()
    for _, fts in pairs:
        started = time.perf_counter()
        connection.execute(
            "SELECT house_id, snippet(assets, -1, '<b>', '</b>', '…', 12) FROM assets WHERE assets MATCH ?"
            " ORDER BY rank LIMIT 20",
            (fts,),
        ).fetchall()
        connection.execute("SELECT count(*) FROM assets WHERE assets MATCH ?", (fts,)).fetchone()
        print(f"{(time.perf_counter() - started) * 1000:.3f}")


def measure_regie(base, token, query_file):
    with open(query_file, encoding="utf-8") as source:
        pairs = json.load(source)
    address = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(address.hostname, address.port)
    headers = {"Authorization": f"Bearer {token}"}

    def ask(query):
        connection.request("GET", "/api/v1/search?limit=20&q=" + urllib.parse.quote(query), headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{query!r}: HTTP {response.status} {body[:200]!r}")
        return body

    for regie, _ in pairs[:5]:
        ask(regie)
    for regie, _ in pairs:
        started = time.perf_counter()
        ask(regie)
        print(f"{(time.perf_counter() - started) * 1000:.3f}")


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "records":
        write_records(int(sys.argv[2]), sys.argv[3])
    elif command == "fts":
        build_fts(sys.argv[2], sys.argv[3])
    elif command == "queries":
        queries(int(sys.argv[2]), sys.argv[3])
    elif command == "measure-fts":
        measure_fts(sys.argv[2], sys.argv[3])
    elif command == "measure-regie":
        measure_regie(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        raise SystemExit(__doc__)
