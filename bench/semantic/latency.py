"""Times searches against a running `regie serve`: every query of queries.jsonl, ROUNDS times,
with meaning (semantic=true) and words only (semantic=false); prints p50 and p99 of the request
time and of the semantic part (`semantic_ms`: the query's vector and every passage ranked).
Usage: latency.py URL TOKEN QUERIES [ROUNDS]"""

import json
import sys
import time
import urllib.parse
import urllib.request

url, token, queries_file = sys.argv[1:4]
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
queries = [json.loads(line)["query"] for line in open(queries_file, encoding="utf-8")]


def search(query, semantic):
    address = f"{url}/api/v1/search?" + urllib.parse.urlencode({"q": query, "semantic": str(semantic).lower()})
    request = urllib.request.Request(address, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as answer:
        body = json.load(answer)
    return (time.perf_counter() - started) * 1000, body


def pick(values, quantile):
    values = sorted(values)
    return values[min(len(values) - 1, int(quantile * len(values)))]


search(queries[0], True)  # starts the engine and reads the vectors once
for semantic in (False, True):
    wall, inner, errors = [], [], 0
    for _ in range(rounds):
        for query in queries:
            ms, body = search(query, semantic)
            wall.append(ms)
            if body.get("semantic_ms") is not None:
                inner.append(body["semantic_ms"])
            errors += 1 if body.get("semantic_error") else 0
    label = "words + meaning" if semantic else "words only"
    line = f"{label:<16} {len(wall)} searches: request p50 {pick(wall, 0.5):.1f} ms, p99 {pick(wall, 0.99):.1f} ms"
    if inner:
        line += f"; semantic part p50 {pick(inner, 0.5):.1f} ms, p99 {pick(inner, 0.99):.1f} ms"
    if errors:
        line += f"; {errors} semantic errors"
    print(line)
