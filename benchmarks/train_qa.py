"""Train the learned models of answers: the one ranking of every candidate of a question
(``index/qa/pool_model.json``) and the abstention of general answers
(``index/qa/qa_model.json``).

Usage (eval data is not part of this repository; see ../shared/eval/README.md):

    .venv/bin/python benchmarks/train_qa.py collect ../shared/eval --work /tmp/qatrain \
        [--polnear-articles 320] [--squad 800] [--speaker 1200]
    .venv/bin/python benchmarks/train_qa.py fit /tmp/qatrain [--out index/qa/qa_model.json] \
        [--pool-out index/qa/pool_model.json] [--pool-only]

``collect`` ingests two corpora into ``--work`` (kept between runs): the SQuAD articles
(``squad_dev/articles.jsonl``) and a fixed random share of the ``polnear_train`` articles.
Its questions never include a dev question: SQuAD questions from ``questions_all.jsonl``
that are *not* among the 1,000 of ``questions.jsonl`` (nor the 100 of
``offtopic_polnear_dev``), and ``polnear_train`` speaker questions about those articles.
Every question is asked of its own corpus (answerable) and of the other one (nothing
answers it), through the same code as ``Library.ask``
(:func:`index.qa.pipeline.rank_pool`: general candidates and the named person's
statements in one pool); each candidate is labelled as the scorer would (SQuAD: its quote
holds a gold answer; PolNeAR: it covers half of a gold statement's words). The rows go
to ``--work/rows_<corpus>.jsonl``.

``fit`` trains, with scikit-learn (offline only; run time applies the weights with numpy):

* the **pool ranking** (:func:`fit_pool`): a pairwise logistic regression on the pooled
  candidates of the answerable questions, 5-fold cross-validated by question, printed
  beside today's ranking (the person's statements for a question asking what someone
  said, else the hand-set general score);
* the general **ranking** that abstention reads: the hand-set weights (a learned one is
  cross-validated and printed; it did not beat them);
* **abstention**: a logistic regression on question rows (answerable vs. asked of the
  other corpus), cross-validated, and scored *across domains*: trained on one corpus's
  questions only and tested on the other's.

The threshold is the probability at which at least 98.5% of the answerable training
questions of each corpus are still answered.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy and scikit-learn are imported where they are used
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import news_questions

from index.config import Settings
from index.embedder import load_embedder
from index.library import Library
from index.qa import pipeline
from index.qa.features import QUESTION_FEATURES, RANK_FEATURES, question_features
from index.qa.pool import PERSON_FEATURES, POOL_FEATURES
from index.qa.ranking import general_span, quote_span
from index.qa.scope import Scope

TARGET_ANSWERED = 0.985
SETS = ("squad", "speaker", "news")


def pairwise_ranker(
    xs: np.ndarray,
    ys: np.ndarray,
    gs: np.ndarray,
    c: float,
    *,
    today_of: np.ndarray | None = None,
    hard: int = 0,
) -> tuple[StandardScaler, LogisticRegression]:
    """Pairwise logistic regression (RankNet-style with a linear scorer): each pair of a
    correct and a wrong candidate of one question (group), as their feature difference;
    20 random wrong candidates per correct one, plus the ``hard`` wrong ones that
    ``today_of`` (today's ranking score) puts first (a headline repeating the question,
    the person's other passages)."""
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(xs)
    z = scaler.transform(xs)
    rng = np.random.default_rng(0)
    diffs = []
    for g in np.unique(gs):
        idx = np.flatnonzero(gs == g)
        pos, neg = idx[ys[idx] == 1], idx[ys[idx] == 0]
        if not len(pos) or not len(neg):
            continue
        hardest = (
            neg[np.argsort(-today_of[neg], kind="stable")[:hard]]
            if today_of is not None and hard
            else neg[:0]
        )
        for p in pos:
            chosen = rng.choice(neg, size=min(len(neg), 20), replace=False)
            diffs.append(z[p] - z[np.unique(np.r_[chosen, hardest])])
    d = np.vstack(diffs)
    model = LogisticRegression(C=c, max_iter=2000, fit_intercept=False)
    model.fit(np.vstack([d, -d]), np.r_[np.ones(len(d)), np.zeros(len(d))])
    return scaler, model


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def _load_common(eval_dir: Path) -> object:
    sys.path.insert(0, str(eval_dir))
    import common  # the scorer's own normalisation

    return common


def training_sets(args: argparse.Namespace) -> tuple[Path, list[dict], Path, list[dict]]:
    """The two corpora and their training questions (no dev question among them)."""
    eval_dir: Path = args.eval
    squad = eval_dir / "squad_dev"
    excluded = {q["qid"] for q in read_jsonl(squad / "questions.jsonl")}
    excluded_text = {q["question"] for q in read_jsonl(squad / "questions.jsonl")} | {
        q["question"] for q in read_jsonl(eval_dir / "offtopic_polnear_dev" / "questions.jsonl")
    }
    pool = [
        q
        for q in read_jsonl(squad / "questions_all.jsonl")
        if q["qid"] not in excluded and q["question"] not in excluded_text
    ]
    random.Random(11).shuffle(pool)
    squad_questions = pool[: args.squad]

    kept = news_questions.polnear_share(eval_dir, args.polnear_articles)
    ids = {a["id"] for a in kept}
    args.work.mkdir(parents=True, exist_ok=True)
    polnear_articles = args.work / "polnear_articles.jsonl"
    polnear_articles.write_text("".join(json.dumps(a) + "\n" for a in kept), encoding="utf-8")
    speaker = [
        q
        for q in read_jsonl(eval_dir / "polnear_train" / "questions.jsonl")
        if q["gold"] and all(g["article_id"] in ids for g in q["gold"])
    ]
    random.Random(5).shuffle(speaker)
    return squad / "articles.jsonl", squad_questions, polnear_articles, speaker[: args.speaker]


def news_set(args: argparse.Namespace, polnear_articles: Path) -> list[dict]:
    """The hand-written general news questions (both parts: ``fit`` keeps the check part
    out of every model and only reports it), checked to be about the ingested articles."""
    answerable, unanswerable = news_questions.load(args.news)
    ids = {json.loads(line)["id"] for line in polnear_articles.open(encoding="utf-8")}
    missing = [q["qid"] for q in answerable if q["gold"][0]["article_id"] not in ids]
    if missing:
        raise SystemExit(f"news questions about articles not ingested: {missing[:5]}")
    return answerable + unanswerable


def question_set(record: dict) -> str:
    """Which question set a collected row comes from: ``squad``, ``speaker`` or ``news``
    (the hand-written general news questions, answerable or not)."""
    if news_questions.is_news(record["qid"]):
        return "news"
    return "squad" if record["kind"] == "squad" else "speaker"


def home_corpus(question: dict) -> str | None:
    """The corpus that answers ``question`` (``None``: none does)."""
    if not question["gold"]:
        return None
    return (
        "polnear"
        if news_questions.is_news(question["qid"])
        else ("squad" if question["kind"] == "squad" else "polnear")
    )


def label(common: object, kind: str, gold: list[dict], article_id: str, quote: str) -> int:
    for g in gold:
        if g["article_id"] != article_id:
            continue
        if kind == "squad" and common.contains_answer(quote[:500], g["text"]):
            return 1
        if kind != "squad" and common.token_coverage(g["text"], quote[:500]) >= 0.5:
            return 1
    return 0


def question_vectors(questions: list[dict], embedder: object, work: Path) -> object:
    """The questions' vectors, computed once and kept in ``work`` (corpora share them)."""
    import numpy as np

    key = hashlib.sha256("\n".join(q["qid"] for q in questions).encode()).hexdigest()[:12]
    path = work / f"question_vectors_{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = embedder.encode([q["question"] for q in questions])
    np.save(work / f"{path.stem}.tmp.npy", vectors)
    (work / f"{path.stem}.tmp.npy").replace(path)
    return vectors


async def collect_corpus(
    library: Library,
    corpus: str,
    questions: list[dict],
    embedder: object,
    common: object,
    out: object,
    out_dir: Path,
) -> None:
    await library._sync_all(["global"])
    vectors = question_vectors(questions, embedder, out_dir)
    texts: dict[int, str] = {}

    async def text_of(article_pk: int) -> str:
        if article_pk not in texts:
            article = await library.store.article_by_pk(article_pk)
            texts[article_pk] = article.text if article else ""
        return texts[article_pk]

    for number, (question, vector) in enumerate(zip(questions, vectors, strict=True)):
        scope = Scope(
            library.store, library._indexes, vector, ["global"], library.embedder.dimension
        )
        pooled = await pipeline.rank_pool(scope, question["question"])
        result = pooled.general
        answerable = home_corpus(question) == corpus

        def labelled(
            article_id: str, quote: str, question: dict = question, answerable: bool = answerable
        ) -> int:
            if not answerable:
                return 0
            return label(common, question["kind"], question["gold"], article_id, quote)

        labels = []
        for candidate in result.ranked:
            passage = result.found.passages[candidate.passage_id]
            text = await text_of(passage.article_pk)
            start, end = general_span(text, passage.start, passage.end)
            labels.append(labelled(passage.article_id, text[start:end]))
        pool_labels = []
        for candidate in pooled.ranked:
            text = await text_of(candidate.article_pk)
            start, end, _ = quote_span(candidate, text, result.attributions)
            pool_labels.append(labelled(candidate.passage.article_id, text[start:end]))
        out.write(
            json.dumps(
                {
                    "qid": question["qid"],
                    "question": question["question"],
                    "corpus": corpus,
                    "set": question_set(question),
                    "split": news_questions.split_of(question["qid"])
                    if news_questions.is_news(question["qid"])
                    else "train",
                    "kind": question["kind"],
                    "answerable": answerable,
                    "person_route": pooled.person.asks_said,
                    "person_found": bool(pooled.person.ranked),
                    "rows": [[round(x, 5) for x in row] for row in result.rows],
                    "labels": labels,
                    "pool_rows": [[round(x, 5) for x in c.row] for c in pooled.ranked],
                    "pool_labels": pool_labels,
                    "pool_origin": [c.origin for c in pooled.ranked],
                    "entities_known": result.entities_known,
                    "topic_known": result.topic_known,
                    "said_topic": result.said_topic,
                    "entities": list(result.facts.entities),
                    "answer_type": result.facts.kind,
                }
            )
            + "\n"
        )
        out.flush()
        if number % 200 == 0:
            print(f"  {corpus}: {number}/{len(questions)}", flush=True)


async def collect(args: argparse.Namespace) -> None:
    squad_articles, squad_questions, polnear_articles, speaker = training_sets(args)
    news = news_set(args, polnear_articles) if "news" in args.sets else []
    chosen = {"squad": squad_questions, "speaker": speaker}
    common = _load_common(args.eval)
    embedder = load_embedder()
    corpora = {"squad": squad_articles, "polnear": polnear_articles}
    for corpus, articles in corpora.items():
        if corpus not in args.corpora:
            continue
        suffix = "" if set(args.sets) == set(SETS) else "_" + "+".join(sorted(args.sets))
        with (args.work / f"rows_{corpus}{suffix}.jsonl").open("w", encoding="utf-8") as out:
            settings = Settings(data_dir=args.work / f"{corpus}_data", seeds_dir=None)
            library = await Library.open(settings, embedder=embedder)
            try:
                report = await library.ingest_paths([articles], collection="global")
                print(f"{corpus}: {len(report.ingested)} articles", flush=True)
                questions = [
                    q for name in ("squad", "speaker") if name in args.sets for q in chosen[name]
                ]
                random.Random(13).shuffle(questions)  # kinds interleaved: any prefix is usable
                questions += news
                await collect_corpus(library, corpus, questions, embedder, common, out, args.work)
            finally:
                await library.close()


def fit(args: argparse.Namespace) -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    collected = [r for path in sorted(args.work.glob("rows_*.jsonl")) for r in read_jsonl(path)]
    about = {q["qid"]: q.get("about") for q in news_questions.load()[1]}
    texts = question_texts(args.eval) if any("question" not in r for r in collected) else {}
    for r in collected:
        r.setdefault("question", texts.get(r["qid"], ""))
        r["set"] = question_set(r)
        r.setdefault("split", "train")
        r["about"] = about.get(r["qid"])
    # the check part of the news questions is never fitted on, only reported
    records = [r for r in collected if r["split"] != "check"]
    check = [r for r in collected if r["split"] == "check"]
    print(
        f"{len(records)} training rows, {len(check)} check rows:",
        {k: n for k, n in sorted(_count(records).items())},
    )
    fit_pool(args, records)
    if args.pool_only:
        return
    # The ranking serves the questions that reach the general path: those that do not ask
    # what a named person said (those are answered from the person's statements).
    answerable = [r for r in records if r["answerable"] and r["rows"] and not r["person_route"]]

    # -- ranking: pointwise logistic regression on candidates of answerable questions
    x = np.array([row for r in answerable for row in r["rows"]], dtype=np.float64)
    y = np.array([lab for r in answerable for lab in r["labels"]])
    groups = np.array([i for i, r in enumerate(answerable) for _ in r["rows"]])

    def ranker(
        xs: np.ndarray, ys: np.ndarray, gs: np.ndarray
    ) -> tuple[StandardScaler, LogisticRegression]:
        return pairwise_ranker(xs, ys, gs, args.c)

    def hits(indices: np.ndarray, logit: np.ndarray, k: int) -> dict[str, float]:
        out: dict[str, list[int]] = {}
        offset = 0
        position = {}
        for i in indices:
            position[i] = offset
            offset += len(answerable[i]["rows"])
        for i in indices:
            r = answerable[i]
            start = position[i]
            scores = logit[start : start + len(r["rows"])]
            order = np.argsort(-scores, kind="stable")[:k]
            out.setdefault(r["corpus"] + "/" + r["set"], []).append(
                int(any(r["labels"][j] for j in order))
            )
        return {key: round(float(np.mean(v)), 3) for key, v in sorted(out.items())}

    folds = GroupKFold(n_splits=5)
    held_logits = np.zeros(len(y))
    for train, test in folds.split(x, y, groups):
        scaler, model = ranker(x[train], y[train], groups[train])
        held_logits[test] = model.decision_function(scaler.transform(x[test]))
    order = np.arange(len(answerable))
    print("ranking, 5-fold held-out hit@1:", hits(order, held_logits, 1))
    print("ranking, 5-fold held-out hit@3:", hits(order, held_logits, 3))
    baseline = x[:, RANK_FEATURES.index("dense")] + 0.8 * x[:, RANK_FEATURES.index("coverage")]
    baseline += (
        0.3 * x[:, RANK_FEATURES.index("keyword")] + 0.3 * x[:, RANK_FEATURES.index("phrases")]
    )
    print("hand-set weights (before), hit@1:", hits(order, baseline, 1))
    scaler, model = ranker(x, y, groups)
    rank = {
        "features": list(RANK_FEATURES),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "weights": model.coef_[0].tolist(),
        "bias": float(model.intercept_[0]),
    }
    print("ranking weights:", dict(zip(RANK_FEATURES, np.round(model.coef_[0], 3), strict=True)))
    if args.rank == "handset":
        # The learned rankers did not beat the hand-set combination in cross-validation:
        # ship the hand-set weights (same file format) and train abstention on them.
        weights = np.array([HANDSET.get(name, 0.0) for name in RANK_FEATURES])
        scaler, model = _Identity(), _Fixed(weights)
        rank = {
            "features": list(RANK_FEATURES),
            "mean": [0.0] * len(RANK_FEATURES),
            "scale": [1.0] * len(RANK_FEATURES),
            "weights": weights.tolist(),
            "bias": 0.0,
        }
        print("shipping the hand-set ranking weights:", HANDSET)

    # -- abstention: one row per question
    def qrow(r: dict, scaler_: StandardScaler, model_: LogisticRegression) -> list[float]:
        rows = r["rows"]
        if not rows:
            scores: list[float] = []
        else:
            scores = model_.decision_function(scaler_.transform(np.array(rows))).tolist()
        order_ = sorted(range(len(rows)), key=lambda i: -scores[i])
        facts = _Facts(r["entities"], r["question"])
        return question_features(
            facts,
            [scores[i] for i in order_],
            [rows[i] for i in order_],
            r["entities_known"],
            said_of(r),
            r.get("topic_known", 1.0),
            r.get("said_topic", 1.0),
        )

    qx = np.array([qrow(r, scaler, model) for r in records])
    qy = np.array([int(r["answerable"]) for r in records])
    corpus = np.array([r["corpus"] for r in records])
    # who must keep TARGET_ANSWERED of its answerable questions: each corpus, or each
    # question set of each corpus (the few general news questions weigh as much as SQuAD)
    groups = np.array(
        [r["corpus"] + ("/" + r["set"] if args.threshold_groups == "set" else "") for r in records]
    )
    # --bypass: a question asking what someone said whose statements are found is
    # answered whatever the probability (the earlier pipeline.answer_question)
    sure = np.array([bool(r["person_route"] and r["person_found"]) for r in records])

    def abstainer(xs: np.ndarray, ys: np.ndarray) -> tuple[StandardScaler, LogisticRegression]:
        s = StandardScaler().fit(xs)
        m = LogisticRegression(C=args.c, max_iter=2000, class_weight="balanced")
        return s, m.fit(s.transform(xs), ys)

    def probability(s: StandardScaler, m: LogisticRegression, xs: np.ndarray) -> np.ndarray:
        return m.predict_proba(s.transform(xs))[:, 1]

    def threshold_for(
        p: np.ndarray, ys: np.ndarray, groups_: np.ndarray, sure_: np.ndarray
    ) -> float:
        """Highest threshold keeping >= TARGET_ANSWERED of each group's answerable ones."""
        limits = []
        for g in sorted(set(groups_)):
            decided = ~sure_ if args.bypass else np.ones(len(ys), dtype=bool)
            positive = np.sort(p[(groups_ == g) & (ys == 1) & decided])
            if len(positive):
                limits.append(positive[int((1 - TARGET_ANSWERED) * len(positive))])
        return float(min(limits)) if limits else 0.5

    def report(name: str, p: np.ndarray, recs: list[dict], t: float) -> None:
        """Answered share of each answerable group and abstain share of each unanswerable
        one ("corpus:question set", unanswerable news ones by sort), as ``answer_question``
        decides (``--bypass``: as it did before, answering a found person's statements
        whatever the probability)."""
        cells: dict[str, list[int]] = {}
        for chance, r in zip(p, recs, strict=True):
            sure_ = bool(r["person_route"] and r["person_found"])
            answered = chance >= t or (args.bypass and sure_)
            if r["answerable"]:
                key = f"{r['corpus']}:{r['set']} answered"
                cells.setdefault(key, []).append(int(answered))
            else:
                about = "/" + r["about"] if r.get("about") else ""
                key = f"{r['corpus']}:{r['set']}{about} abstain"
                cells.setdefault(key, []).append(int(not answered))
        text = ", ".join(f"{k} {np.mean(v):.3f}" for k, v in sorted(cells.items()))
        print(f"  {name} (threshold {t:.3f}): {text}")

    print("abstention, cross-domain (threshold and weights from one corpus only):")
    for train_corpus, label_ in (("squad", "Wikipedia"), ("polnear", "news")):
        test_corpus = "polnear" if train_corpus == "squad" else "squad"
        tr, te = corpus == train_corpus, corpus == test_corpus
        if len(set(qy[tr])) < 2 or not te.any():
            continue
        s, m = abstainer(qx[tr], qy[tr])
        t = threshold_for(probability(s, m, qx[tr]), qy[tr], groups[tr], sure[tr])
        test_records = [r for r, keep in zip(records, te, strict=True) if keep]
        report(f"fit on {label_} -> {test_corpus}", probability(s, m, qx[te]), test_records, t)
        if check:
            cx = np.array([qrow(r, scaler, model) for r in check])
            on = [r for r in check if r["corpus"] == test_corpus]
            if on:
                cp = probability(s, m, cx[[r["corpus"] == test_corpus for r in check]])
                report(f"fit on {label_} -> news check part", cp, on, t)

    # 5-fold cross-validation by question (weights and threshold from four folds)
    held = np.zeros(len(qy))
    fold_thresholds = np.zeros(len(qy))
    qid_groups = np.array([r["qid"] for r in records])
    for train, test in GroupKFold(n_splits=5).split(qx, qy, qid_groups):
        s, m = abstainer(qx[train], qy[train])
        t_ = threshold_for(probability(s, m, qx[train]), qy[train], groups[train], sure[train])
        held[test] = probability(s, m, qx[test]) - t_ + 0.5
        fold_thresholds[test] = t_
    report("5-fold held-out, all corpora", held, records, 0.5)

    s, m = abstainer(qx, qy)
    p = probability(s, m, qx)
    t = threshold_for(p, qy, groups, sure)
    report("fit on all training rows (training data)", p, records, t)
    if check:
        cx = np.array([qrow(r, scaler, model) for r in check])
        report("fit on all -> news check part", probability(s, m, cx), check, t)
    print("abstention weights:", dict(zip(QUESTION_FEATURES, np.round(m.coef_[0], 3), strict=True)))
    abstain = {
        "features": list(QUESTION_FEATURES),
        "mean": s.mean_.tolist(),
        "scale": s.scale_.tolist(),
        "weights": m.coef_[0].tolist(),
        "bias": float(m.intercept_[0]),
    }
    data = {
        "trained_by": "benchmarks/train_qa.py fit",
        "training": {
            "questions": len(records),
            "candidates": len(y),
            "target_answered": TARGET_ANSWERED,
        },
        "rank": rank,
        "abstain": abstain,
        "answer_threshold": round(t, 4),
        "follow_up_threshold": round(t / 2, 4),
        "keep_margin": args.margin,
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


def question_texts(eval_dir: Path | None) -> dict[str, str]:
    """Question texts by qid, for rows collected before they recorded them."""
    if eval_dir is None:
        raise SystemExit("these rows hold no question texts: give --eval")
    paths = [
        eval_dir / "squad_dev" / "questions_all.jsonl",
        eval_dir / "polnear_train" / "questions.jsonl",
    ]
    texts = {q["qid"]: q["question"] for path in paths for q in read_jsonl(path)}
    answerable, unanswerable = news_questions.load()
    texts.update({q["qid"]: q["question"] for q in answerable + unanswerable})
    return texts


def said_of(record: dict) -> str | None:
    """What was found of the person a question asks about (as :func:`pool.said`): any
    pooled candidate that is their attributed statement, else their passages."""
    if not (record["person_route"] and record["person_found"]):
        return None
    column = POOL_FEATURES.index("said_statement")
    return "statement" if any(row[column] > 0 for row in record["pool_rows"]) else "mention"


def _count(records: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in records:
        key = f"{r['corpus']}:{r['set']}:{'answerable' if r['answerable'] else 'unanswerable'}"
        counts[key] = counts.get(key, 0) + 1
    return counts


def fit_pool(args: argparse.Namespace, records: list[dict]) -> None:
    """Train and cross-validate the one ranking of every candidate (``pool_model.json``).

    Pairwise logistic regression (as :func:`fit`'s ranker) on the pooled candidates of
    the answerable questions, 5-fold cross-validated by question; two feature sets are
    compared with today's ranking (the person's statements in their own order for a
    question asking what someone said, the hand-set general score otherwise): ``combo``
    learns only the combination of the hand-set score with the person features, ``full``
    also re-weights every general feature. The better one in cross-validation (mean
    hit@1 over the questions) is shipped."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    answerable = [r for r in records if r["answerable"] and r.get("pool_rows")]
    x = np.array([row for r in answerable for row in r["pool_rows"]], dtype=np.float64)
    y = np.array([lab for r in answerable for lab in r["pool_labels"]])
    groups = np.array([i for i, r in enumerate(answerable) for _ in r["pool_rows"]])
    column = {name: i for i, name in enumerate(POOL_FEATURES)}
    variants = {
        "combo": [column[n] for n in PERSON_FEATURES],
        "full": list(range(len(POOL_FEATURES))),
        # the combination plus the corpus-independent general features: answer type,
        # named entities and rare words held by the candidate
        "combo_type": [
            column[n] for n in (*PERSON_FEATURES, "type_missing", "entity_share", "rare_share")
        ],
        # the combination plus the share of the question's topic words (not its names)
        "combo_topic": [column[n] for n in (*PERSON_FEATURES, "topic_share")],
    }

    def ranker(
        xs: np.ndarray, ys: np.ndarray, gs: np.ndarray, today_of: np.ndarray
    ) -> tuple[StandardScaler, LogisticRegression]:
        return pairwise_ranker(xs, ys, gs, args.c, today_of=today_of, hard=args.hard)

    starts = np.r_[0, np.cumsum([len(r["pool_rows"]) for r in answerable])]

    def hits(scores: np.ndarray, k: int) -> dict[str, float]:
        out: dict[str, list[int]] = {}
        for i, r in enumerate(answerable):
            s_ = scores[starts[i] : starts[i + 1]]
            top = np.argsort(-s_, kind="stable")[:k]
            key = f"{r['corpus']}/{r['set']}" + ("/person" if r["person_route"] else "")
            out.setdefault(key, []).append(int(any(r["pool_labels"][j] for j in top)))
            out.setdefault("all", []).append(int(any(r["pool_labels"][j] for j in top)))
        return {key: round(float(np.mean(v)), 3) for key, v in sorted(out.items())}

    def precision3(scores: np.ndarray) -> dict[str, float]:
        """Share of the first three candidates that are right, over the person questions
        (the scorer's P@3, before quotes are merged)."""
        out: dict[str, list[float]] = {}
        for i, r in enumerate(answerable):
            if not r["person_route"]:
                continue
            s_ = scores[starts[i] : starts[i + 1]]
            top = np.argsort(-s_, kind="stable")[:3]
            key = f"{r['corpus']}/{r['kind']}"
            out.setdefault(key, []).append(float(np.mean([r["pool_labels"][j] for j in top])))
        return {key: round(float(np.mean(v)), 3) for key, v in sorted(out.items())}

    today = (
        x[:, column["hand"]]
        + 100 * (x[:, column["said_statement"]] + x[:, column["said_mention"]])
        + 10 * x[:, column["said_order"]]
    )
    print(f"pool ranking: {len(answerable)} answerable questions, {len(y)} candidates")
    print("  today (person path, else hand-set), hit@1:", hits(today, 1))
    print("  today (person path, else hand-set), hit@3:", hits(today, 3))
    print("  today (person path, else hand-set), P@3 of person questions:", precision3(today))
    best_name, best_score = None, -1.0
    for name, cols in variants.items():
        held = np.zeros(len(y))
        for train, test in GroupKFold(n_splits=5).split(x, y, groups):
            scaler, model = ranker(x[train][:, cols], y[train], groups[train], today[train])
            held[test] = model.decision_function(scaler.transform(x[test][:, cols]))
        h1 = hits(held, 1)
        print(f"  learned '{name}', 5-fold held-out hit@1:", h1)
        print(f"  learned '{name}', 5-fold held-out hit@3:", hits(held, 3))
        print(f"  learned '{name}', 5-fold held-out P@3 of person questions:", precision3(held))
        if h1["all"] > best_score:
            best_name, best_score = name, h1["all"]
    if args.pool_variant != "best":
        best_name = args.pool_variant
    cols = variants[best_name]
    # across domains: trained without one question set (SQuAD, PolNeAR speaker questions,
    # news questions), scored on it
    row_set = np.array([r["set"] for r in answerable for _ in r["pool_rows"]])
    for left_out in SETS:
        train, test = row_set != left_out, row_set == left_out
        if not test.any() or not train.any():
            continue
        scaler, model = ranker(x[train][:, cols], y[train], groups[train], today[train])
        held = today.astype(np.float64).copy()
        held[test] = model.decision_function(scaler.transform(x[test][:, cols]))
        h1, h3, t1 = hits(held, 1), hits(held, 3), hits(today, 1)
        keys = [k for k in h1 if k != "all" and k.split("/")[1] == left_out]
        cells = ", ".join(f"{k} {h1[k]:.3f} / {h3[k]:.3f} (today {t1[k]:.3f})" for k in keys)
        print(f"  '{best_name}' trained without {left_out}, hit@1 / hit@3 on it: {cells}")
    scaler, model = ranker(x[:, cols], y, groups, today)
    mean, scale = np.zeros(len(POOL_FEATURES)), np.ones(len(POOL_FEATURES))
    weights = np.zeros(len(POOL_FEATURES))
    mean[cols], scale[cols], weights[cols] = scaler.mean_, scaler.scale_, model.coef_[0]
    print(f"  shipping '{best_name}':", dict(zip(POOL_FEATURES, np.round(weights, 3), strict=True)))
    learned = ((x - mean) / scale) @ weights
    margin = _matching_margin(answerable, starts, x[:, column["hand"]], learned, args.margin)
    data = {
        "trained_by": "benchmarks/train_qa.py fit",
        "variant": best_name,
        "training": {"questions": len(answerable), "candidates": len(y)},
        "rank": {
            "features": list(POOL_FEATURES),
            "mean": mean.tolist(),
            "scale": scale.tolist(),
            "weights": weights.tolist(),
            "bias": 0.0,
        },
        "keep_margin": margin,
    }
    args.pool_out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.pool_out} (keep margin {margin})")


def _matching_margin(
    answerable: list[dict], starts: object, hand: object, learned: object, hand_margin: float
) -> float:
    """The margin of the learned score that keeps as many candidates per general question
    (on average) as ``hand_margin`` keeps of the hand-set score."""
    import numpy as np

    def kept(scores: np.ndarray, margin: float) -> float:
        counts = []
        for i, r in enumerate(answerable):
            if r["person_route"]:
                continue
            s_ = scores[starts[i] : starts[i + 1]]
            counts.append(min(10, int(np.sum(s_ >= s_.max() - margin))))
        return float(np.mean(counts)) if counts else 1.0

    wanted = kept(hand, hand_margin)
    grid = np.round(np.arange(0.05, 3.0, 0.05), 2)
    return float(min(grid, key=lambda m: abs(kept(learned, m) - wanted)))


HANDSET = {"dense": 1.0, "coverage": 0.8, "keyword": 0.3, "phrases": 0.3}
"""The previous hand-set ranking (cosine + 0.8 coverage + 0.3 BM25 + 0.3 word pairs)."""


class _Identity:
    def transform(self, xs: object) -> object:
        return xs


class _Fixed:
    def __init__(self, weights: object):
        self.weights = weights

    def decision_function(self, xs: object) -> object:
        import numpy as np

        return np.asarray(xs) @ self.weights


class _Facts:
    """The part of :class:`index.qa.features.QuestionFacts` that question rows need."""

    def __init__(self, entities: list[str], question: str):
        self.entities = tuple(entities)
        self.question = question


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("eval", type=Path)
    c.add_argument("--work", type=Path, required=True)
    c.add_argument("--polnear-articles", type=int, default=320)
    c.add_argument("--squad", type=int, default=800)
    c.add_argument("--speaker", type=int, default=1200)
    c.add_argument("--corpora", nargs="+", default=["squad", "polnear"])
    c.add_argument(
        "--sets",
        nargs="+",
        choices=SETS,
        default=list(SETS),
        help="question sets to ask (not all: rows go to rows_<corpus>_<sets>.jsonl)",
    )
    c.add_argument(
        "--news",
        type=Path,
        default=news_questions.FOLDER,
        help="folder of the hand-written news questions",
    )
    f = sub.add_parser("fit")
    f.add_argument("work", type=Path)
    f.add_argument("--out", type=Path, default=Path("index/qa/qa_model.json"))
    f.add_argument("--c", type=float, default=1.0)
    f.add_argument("--eval", type=Path, help="eval folder (rows without question texts)")
    f.add_argument("--margin", type=float, default=0.35)
    f.add_argument("--rank", choices=["learned", "handset"], default="handset")
    f.add_argument("--pool-out", type=Path, default=Path("index/qa/pool_model.json"))
    f.add_argument(
        "--pool-variant",
        choices=["best", "combo", "full", "combo_type", "combo_topic"],
        default="best",
    )
    f.add_argument("--pool-only", action="store_true", help="train only the pool ranking")
    f.add_argument("--hard", type=int, default=0, help="hard negatives per question")
    f.add_argument(
        "--threshold-groups",
        choices=["corpus", "set"],
        default="corpus",
        help="keep TARGET_ANSWERED of the answerable questions of each corpus or each set",
    )
    f.add_argument(
        "--bypass",
        action="store_true",
        help="report (and set the threshold) as if a found person's statements were "
        "answered whatever the probability (the pipeline before the news questions)",
    )
    args = parser.parse_args()
    if args.command == "collect":
        asyncio.run(collect(args))
    else:
        fit(args)


if __name__ == "__main__":
    main()
