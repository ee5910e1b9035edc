"""Scores semantic search on bench/semantic's bilingual catalogue: runs every query through
`regie search --json` (words only, then with meaning at a low threshold so every score is seen)
and prints Recall@1, Recall@5 and MRR of each query's programme (written in the other language),
then, per threshold, the share of programmes still found, the other assets listed per query, and
the unrelated queries that list anything. Usage: quality.py REGIE DATA QUERIES"""

import json
import os
import subprocess
import sys

regie, data, queries_file = sys.argv[1:4]
queries = [json.loads(line) for line in open(queries_file, encoding="utf-8")]


def search(query, *flags, threshold="0.5"):
    environment = dict(os.environ, REGIE_INTELLIGENCE_SEMANTIC_THRESHOLD=threshold)
    output = subprocess.run([regie, "--data", data, "search", "--json", "--limit", "50", *flags, "--", *query.split()],
                            check=True, capture_output=True, env=environment).stdout
    return json.loads(output)


def rank_of(results, target):
    for position, hit in enumerate(results["hits"]):
        if hit["house_id"] == target:
            return position + 1
    return None


related = [query for query in queries if query["target"]]
unrelated = [query for query in queries if not query["target"]]
rows = {"words only": [], "words + meaning": []}
scores = []  # (query, target score or None, [other scores])
for query in related:
    rows["words only"].append(rank_of(search(query["query"], "--no-semantic"), query["target"]))
    results = search(query["query"])
    rows["words + meaning"].append(rank_of(results, query["target"]))
    target = [hit.get("semantic_score") for hit in results["hits"] if hit["house_id"] == query["target"]]
    others = [hit.get("semantic_score") or 0 for hit in results["hits"] if hit["house_id"] != query["target"]]
    scores.append((target[0] if target else None, others))
for name, ranks in rows.items():
    at = lambda k: sum(1 for rank in ranks if rank and rank <= k) / len(ranks)
    mrr = sum(1 / rank for rank in ranks if rank) / len(ranks)
    print(f"{name:<16} {len(ranks)} cross-lingual queries: Recall@1 {at(1):.3f}  Recall@5 {at(5):.3f}  MRR {mrr:.3f}")
unrelated_scores = []
for query in unrelated:
    results = search(query["query"])
    unrelated_scores.append(max([hit.get("semantic_score") or 0 for hit in results["hits"]] or [0]))
print("threshold  programme found  other assets per query  unrelated queries listing something")
for threshold in (0.80, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86):
    found = sum(1 for target, _ in scores if target is not None and target >= threshold) / len(scores)
    extra = sum(sum(1 for score in others if score >= threshold) for _, others in scores) / len(scores)
    noisy = sum(1 for score in unrelated_scores if score >= threshold)
    print(f"  {threshold:.2f}      {found:.3f}            {extra:5.2f}                   {noisy}/{len(unrelated_scores)}")
