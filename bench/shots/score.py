#!/usr/bin/env python3
"""Scores found shot transitions against an edit's truth: precision, recall and F1 for hard cuts
(a found cut within one frame of a true one) and for gradual transitions (a found one overlapping
a true one), each true transition matched at most once.

    score.py TRUTH.json FOUND.json      # FOUND: {"transitions": [{"kind": "cut", "frame"} |
                                        #          {"kind": "gradual", "start", "end"}]}
Prints {"cut": {"precision", "recall", "f1", "true", "found", "matched"}, "gradual": {...}}.
"""

import json
import sys


def prf(matched, found, true):
    precision = matched / found if found else 1.0
    recall = matched / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "true": true, "found": found, "matched": matched}


def score(truth, found):
    cuts = [t["frame"] for t in found if t["kind"] == "cut"]
    gradual = [(t["start"], t["end"]) for t in found if t["kind"] == "gradual"]
    free = set(range(len(truth["cuts"])))
    matched = 0
    for cut in cuts:
        best = next((i for i in sorted(free, key=lambda i: abs(truth["cuts"][i] - cut)) if abs(truth["cuts"][i] - cut) <= 1), None)
        if best is not None:
            free.discard(best)
            matched += 1
    free_g = set(range(len(truth["gradual"])))
    matched_g = 0
    for start, end in gradual:
        hit = next((i for i in sorted(free_g) if start < truth["gradual"][i][1] and truth["gradual"][i][0] < end), None)
        if hit is not None:
            free_g.discard(hit)
            matched_g += 1
    return {"cut": prf(matched, len(cuts), len(truth["cuts"])),
            "gradual": prf(matched_g, len(gradual), len(truth["gradual"]))}


def main():
    with open(sys.argv[1]) as handle:
        truth = json.load(handle)
    with open(sys.argv[2]) as handle:
        found = json.load(handle)["transitions"]
    print(json.dumps(score(truth, found)))


if __name__ == "__main__":
    main()
