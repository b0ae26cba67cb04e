"""How well the rule-based attribution (:mod:`index.attribution`) finds who said what.

Usage (eval data is not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/attribution_check.py ../shared/eval/polnear_train \
        [--save NOW.json] [--compare BEFORE.json] [--sample 20]

PolNeAR annotates every statement of a person in an article by hand; each ``speaker`` /
``speaker_multi`` question of the set gives one (speaker, article) pair and its gold
statements. For every pair, the attributions :func:`~index.attribution.find_attributions`
gives to that speaker (:func:`~index.attribution.name_matches` on the surname asked about)
are compared with the gold:

* **recall**: share of gold statements overlapped by one of the speaker's attributions;
* **precision**: share of the speaker's attributions that overlap a gold statement;
* **pairs found**: share of pairs with at least one attribution to the speaker.

``--save`` writes every attribution found (per article) to a JSON file; ``--compare`` reads
such a file from an earlier version of the rules and prints how many attributions were
added, removed or given to another speaker, with a sample of each (for checking a rule
change on training data only: never run this on dev).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index.attribution import find_attributions, name_matches


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def score(articles: dict[str, str], questions: list[dict], found: dict[str, list]) -> dict:
    """Recall, precision and pairs found over the (speaker, article) pairs of ``questions``."""
    pairs: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for question in questions:
        for gold in question["gold"]:
            key = (question["speaker"], gold["article_id"])
            pairs.setdefault(key, []).append((gold["start"], gold["end"]))
    covered = gold_total = right = ours_total = with_any = 0
    for (speaker, article_id), golds in pairs.items():
        if article_id not in articles:
            continue
        ours = [(s, e) for s, e, who, _ in found[article_id] if name_matches(speaker, who)]
        gold_total += len(golds)
        covered += sum(any(_overlaps(g, o) for o in ours) for g in golds)
        ours_total += len(ours)
        right += sum(any(_overlaps(o, g) for g in golds) for o in ours)
        with_any += bool(ours)
    return {
        "pairs": len(pairs),
        "recall": covered / max(gold_total, 1),
        "precision": right / max(ours_total, 1),
        "pairs_found": with_any / max(len(pairs), 1),
        "attributions": sum(len(v) for v in found.values()),
    }


def compare(
    before: dict[str, list], now: dict[str, list], articles: dict[str, str], n: int
) -> None:
    """Print the attributions added, removed and re-assigned since ``before``."""
    added, removed, moved = [], [], []
    for article_id, items in now.items():
        old = {(s, e): who for s, e, who, _ in before.get(article_id, [])}
        new = {(s, e): who for s, e, who, _ in items}
        text = articles[article_id]
        for span, who in new.items():
            if span not in old:
                added.append((who, text[span[0] : span[1]]))
            elif old[span] != who:
                moved.append((f"{old[span]} -> {who}", text[span[0] : span[1]]))
        removed += [(who, text[s:e]) for (s, e), who in old.items() if (s, e) not in new]
    rng = random.Random(0)
    for label, items in (("added", added), ("removed", removed), ("re-assigned", moved)):
        print(f"\n{label}: {len(items)}")
        for who, sentence in rng.sample(items, min(n, len(items))):
            print(f"  [{who}] {sentence[:220]!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("split", type=Path, help="a PolNeAR split folder (polnear_train)")
    parser.add_argument("--save", type=Path, help="write the attributions found to this file")
    parser.add_argument("--compare", type=Path, help="attributions saved by an earlier run")
    parser.add_argument("--sample", type=int, default=15, help="changes printed per kind")
    args = parser.parse_args()
    with open(args.split / "articles.jsonl", encoding="utf-8") as handle:
        articles = {a["id"]: a["text"] for a in map(json.loads, handle)}
    with open(args.split / "questions.jsonl", encoding="utf-8") as handle:
        questions = [q for q in map(json.loads, handle) if q.get("speaker")]
    began = time.perf_counter()
    found = {
        article_id: [(a.start, a.end, a.speaker, a.kind) for a in find_attributions(text)]
        for article_id, text in articles.items()
    }
    seconds = time.perf_counter() - began
    result = score(articles, questions, found)
    print(
        f"{len(articles)} articles, {result['attributions']} attributions "
        f"({seconds:.1f} s); {result['pairs']} speaker-article pairs: "
        f"recall {result['recall']:.3f}, precision {result['precision']:.3f}, "
        f"pairs found {result['pairs_found']:.3f}"
    )
    if args.save:
        args.save.write_text(json.dumps(found), encoding="utf-8")
    if args.compare:
        before = json.loads(args.compare.read_text(encoding="utf-8"))
        compare(before, found, articles, args.sample)


if __name__ == "__main__":
    main()
