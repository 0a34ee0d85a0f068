"""Does the desk learn from its reviewers? A simulated reviewer on real labelled material.

Two kinds of material, each reviewed in the order the desk suggests, learning after every 10 decisions
(the desk model of ``researchdesk.evidence.learning``, exactly as a desk trains it), next to a plain
TF-IDF learner (ASReview's kind of baseline) on the same stream, in one run:

**Screening** — the five SYNERGY systematic-review screening sets in
``../shared/data/benchmarks/synergy/`` (every record a review team screened, title and abstract, and
their include decision). The desk starts from the review's title (records ranked by closeness to it,
then by closeness x the learned probability of inclusion, as a scan orders suggestions). The baselines
start as ASReview simulations do, from one included and one excluded record picked at random
(prior knowledge), then rank by TF-IDF + naive Bayes (ASReview's default) or + logistic regression,
averaged over seeds; random order likewise. Reported: WSS@95 (work saved over random screening at 95 %
recall) and recall after 10 % of the records are screened.

**Quotes** — the drafted brief quotes that two blind readers judged (``benchmarks/data/brief_runs``
and ``benchmarks/data/brief_judgments``: kept when both readers kept it; the heading right when both
said so, a directional heading judged wrong by both = no direction). Documents are split in two: the
reviewer reviews the quotes of one half in the desk's order (a quote's place in its draft, x the
learned probability of being kept); after 0, 25, 50, 100 and 200 decisions the model is scored on the
other half, whose documents it never saw: keep precision of the top 20 suggestions, precision of each
request's top 5, and heading accuracy (Barriers / Facilitators / the rest) against the shipped heading.
Work saved to find 95 % of the keepers (WSS@95) is against reviewing in the drafts' order.
The sentence sets (``benchmarks/data/evidence_*.csv``, hand-labelled barrier / facilitator / other)
add a heading stream: the sentences the shipped classifier would suggest under a heading, reviewed in
the training articles, scored on held-out articles.

Retraining time on 1,000 labels and classification throughput (sentences/s) are timed too, next to
the shipped classifier in the same run.

    python benchmarks/review_learning.py [--part screening|quotes|all] [--seeds 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import MultinomialNB
from threadpoolctl import threadpool_limits

from researchdesk.evidence import learning
from researchdesk.evidence.classify import classify_many
from researchdesk.evidence.learning import fit
from researchdesk.evidence.quote_features import QuoteVectors, features, subject_column
from researchdesk.evidence.review_examples import Example
from researchdesk.models import Role, heading_of
from researchdesk.requests.plan import derive_plan
from researchdesk.search.embed import MiniLMEmbedder

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("RESEARCHDESK_SHARED_DATA", ROOT / ".." / "shared" / "data"))
SYNERGY = SHARED / "benchmarks" / "synergy"
DATA = ROOT / "benchmarks" / "data"
CACHE = ROOT / "build" / "review-learning"
BATCH = 10
CHECKPOINTS = (0, 25, 50, 100, 200)
ROUNDS = {
    "before.json": "round1-before",
    "round2.json": "round2",
    "round3.json": "round3",
    "round4.json": "round4",
    "round5.json": "round5",
    "final.json": "round6-final",
}
HEADING_ROLE = {"Barriers": Role.BARRIER, "Facilitators": Role.FACILITATOR, "Examples": Role.EXAMPLE,
                "Statistics": Role.STATISTIC}
csv.field_size_limit(10**8)


# --- measures ---------------------------------------------------------------------------------------


def wss_at(order: list[int], relevant: set[int], n_total: int, recall: float = 0.95) -> float:
    """Work saved over sampling at ``recall``: 1 - screened/total - (1 - recall)."""
    need = int(np.ceil(recall * len(relevant)))
    found = 0
    for screened, item in enumerate(order, start=1):
        found += item in relevant
        if found >= need:
            return (n_total - screened) / n_total - (1 - recall)
    return 0.0 - (1 - recall)


def recall_after(order: list[int], relevant: set[int], share: float) -> float:
    n = round(share * len(order))
    return len(set(order[:n]) & relevant) / len(relevant) if relevant else 0.0


# --- the desk's learner on a stream ------------------------------------------------------------------


def desk_keep(x: np.ndarray, labelled: list[int], kept: list[bool]) -> np.ndarray | None:
    """Fit the desk model on labelled rows; return p(kept) for every row (None: nothing to learn yet)."""
    if len(set(kept)) < 2:
        return None
    examples = [Example("", "", Role.CONTEXT, Role.CONTEXT, k, 0, i, None) for i, k in zip(labelled, kept, strict=True)]
    model = fit(examples, x[labelled], np.zeros((len(labelled), 1)), {})
    _, keep = model.predict(x, [Role.CONTEXT] * x.shape[0])
    return keep


def _alone(p: np.ndarray | None, prior: np.ndarray) -> np.ndarray | None:
    """Undo ``active_order``'s prior weighting: rank by the learned probability alone."""
    return None if p is None else p / prior


def active_order(
    n: int,
    prior: np.ndarray,
    truth: set[int],
    learner,
    seeds: list[int] | None = None,
) -> list[int]:
    """Return the order a simulated reviewer screens in: batches of BATCH by prior x p(kept), retraining."""
    order: list[int] = list(seeds or [])
    score = prior.copy()
    while len(order) < n:
        seen = set(order)
        todo = [i for i in np.argsort(-score, kind="stable") if i not in seen][:BATCH]
        order.extend(int(i) for i in todo)
        p = learner(order, [i in truth for i in order])
        score = prior * p if p is not None else prior.copy()
    return order


# --- screening --------------------------------------------------------------------------------------


@dataclass
class Screening:
    name: str
    title: str
    texts: list[str]
    included: set[int]


def load_screening() -> list[Screening]:
    out = []
    for path in sorted(SYNERGY.glob("*.csv")):
        review = json.loads(path.with_suffix(".review.json").read_text(encoding="utf-8"))
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        texts = [f"{r['title']}. {r['abstract']}".strip() for r in rows]
        included = {i for i, r in enumerate(rows) if r["label_included"].strip() in ("1", "True", "true")}
        out.append(Screening(review["dataset"], review["review_title"], texts, included))
    return out


def tfidf_learner(texts: list[str], kind: str):
    matrix = TfidfVectorizer(sublinear_tf=True, min_df=1, stop_words="english").fit_transform(texts)

    def learn(labelled: list[int], kept: list[bool]) -> np.ndarray | None:
        if len(set(kept)) < 2:
            return None
        model = MultinomialNB(alpha=3.822) if kind == "nb" else LogisticRegression(C=1.0, max_iter=500)
        model.fit(matrix[labelled], np.array(kept, dtype=int))
        return model.predict_proba(matrix)[:, 1]

    return learn


def run_screening(vectors: QuoteVectors, n_seeds: int) -> list[dict[str, object]]:
    rows = []
    for s in load_screening():
        started = time.perf_counter()
        x, _ = features(s.texts, [s.title] * len(s.texts), [Role.CONTEXT] * len(s.texts), vectors)
        vectors.save()
        prior = np.clip(x[:, subject_column(vectors)].toarray().ravel(), 0.01, None)
        # Closeness to the review's title until both kinds of decision are in; then the learned
        # probability of inclusion (which reads that closeness as one of its features).
        desk = active_order(len(s.texts), prior, s.included, lambda lab, kept, x=x, prior=prior: _alone(desk_keep(x, lab, kept), prior))
        desk_question_only = list(np.argsort(-prior, kind="stable"))
        result: dict[str, object] = {
            "set": s.name,
            "records": len(s.texts),
            "included": len(s.included),
            "desk": (wss_at(desk, s.included, len(s.texts)), recall_after(desk, s.included, 0.10)),
            "question only": (
                wss_at(desk_question_only, s.included, len(s.texts)),
                recall_after(desk_question_only, s.included, 0.10),
            ),
        }
        flat = np.ones(len(s.texts))
        for kind in ("nb", "lr", "random"):
            learner = tfidf_learner(s.texts, kind) if kind != "random" else (lambda lab, kept: None)
            wss, rec = [], []
            for seed in range(n_seeds):
                rng = random.Random(seed)
                seeds = [rng.choice(sorted(s.included)), rng.choice(sorted(set(range(len(s.texts))) - s.included))]
                noise = np.array([rng.random() for _ in s.texts])  # random order among equals
                order = active_order(len(s.texts), flat + 1e-6 * noise, s.included, learner, seeds)
                wss.append(wss_at(order, s.included, len(s.texts)))
                rec.append(recall_after(order, s.included, 0.10))
            result[f"tfidf {kind}" if kind != "random" else "random"] = (float(np.mean(wss)), float(np.mean(rec)))
        result["seconds"] = round(time.perf_counter() - started, 1)
        rows.append(result)
        print(f"  {s.name}: done in {result['seconds']} s", file=sys.stderr)
    return rows


# --- quotes -----------------------------------------------------------------------------------------


@dataclass
class JudgedQuote:
    request: str
    subject: str
    document: str
    text: str
    suggested: Role
    role: Role | None  # the right role, when the readers' judgments settle it
    kept: bool
    position: int  # its place in its draft


def load_judged() -> list[JudgedQuote]:
    """Return each judged quote once (its latest judgment), with its request's subject."""
    found: dict[tuple[str, str], JudgedQuote] = {}
    subjects: dict[str, str] = {}
    for run_file, folder in ROUNDS.items():
        run = json.loads((DATA / "brief_runs" / run_file).read_text(encoding="utf-8"))
        votes: dict[tuple[str, str], list[dict[str, object]]] = defaultdict(list)
        for path in sorted((DATA / "brief_judgments" / folder).glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                j = json.loads(line)
                if "keep" in j:
                    votes[(j["request"], j["quote"])].append(j)
        for brief in run["briefs"]:
            request = brief["request"]
            rid = request["id"]
            if rid not in subjects:
                subjects[rid] = "; ".join(derive_plan(request["prompt"], "").subjects)
            for position, q in enumerate(brief["quotes"]):
                vs = votes.get((rid, q["qid"]))
                if not vs:
                    continue
                suggested = HEADING_ROLE.get(q["heading"], Role.CONTEXT)
                kept = all(bool(v["keep"]) for v in vs)
                right = [bool(v["heading_right"]) for v in vs]
                role: Role | None = None
                if all(right):
                    role = suggested
                elif not any(right) and heading_of(suggested) in ("Barriers", "Facilitators"):
                    role = Role.CONTEXT  # "no direction": the readers' usual reason
                found[(rid, " ".join(q["text"].split()))] = JudgedQuote(
                    rid, subjects[rid], q["source"], q["text"], suggested, role, kept, position
                )
    return list(found.values())


def _half(document: str) -> int:
    return zlib.crc32(document.encode("utf-8")) % 2


def quote_examples(items: list[JudgedQuote]) -> list[Example]:
    return [
        Example(q.text, q.subject, q.suggested, q.role or q.suggested, q.kept, zlib.crc32(q.document.encode()), i, None,
                zlib.crc32(q.request.encode()))
        for i, q in enumerate(items)
    ]


def _tfidf_scores(train_texts, train_kept, test_texts):
    if len(set(train_kept)) < 2:
        return None
    vec = TfidfVectorizer(sublinear_tf=True, stop_words="english").fit(train_texts + test_texts)
    model = LogisticRegression(C=1.0, max_iter=500).fit(vec.transform(train_texts), np.array(train_kept, dtype=int))
    return model.predict_proba(vec.transform(test_texts))[:, 1]


def _top_precision(score: np.ndarray, kept: np.ndarray, k: int) -> float:
    top = np.argsort(-score, kind="stable")[:k]
    return float(kept[top].mean()) if len(top) else 0.0


def _per_request_precision(score: np.ndarray, kept: np.ndarray, requests: list[str], k: int) -> float:
    values = []
    for request in sorted(set(requests)):
        ix = np.array([i for i, r in enumerate(requests) if r == request])
        top = ix[np.argsort(-score[ix], kind="stable")[:k]]
        values.append(float(kept[top].mean()))
    return float(np.mean(values)) if values else 0.0


def run_quotes(vectors: QuoteVectors, split: str = "document") -> dict[str, object]:
    """Review one half, score the other: halves of the documents (unseen documents, the issue's measure)
    or of the requests (the same library asked about again, as a desk's next requests are)."""
    judged = load_judged()
    side = (lambda q: _half(q.document)) if split == "document" else (lambda q: _half(q.request))
    train = [q for q in judged if side(q) == 0]
    test = [q for q in judged if side(q) == 1]
    train_ex, test_ex = quote_examples(train), quote_examples(test)
    x_train, sway_train = features([e.text for e in train_ex], [e.subject for e in train_ex], [e.suggested for e in train_ex], vectors)
    x_test, sway_test = features([e.text for e in test_ex], [e.subject for e in test_ex], [e.suggested for e in test_ex], vectors)
    switched: list[tuple[int, bool, bool]] = []  # (decisions, role head on, keep head on)
    vectors.save()
    prior_train = np.array([1.0 / (1.0 + q.position / 5) for q in train])
    prior_test = np.array([1.0 / (1.0 + q.position / 5) for q in test])
    kept_train = {i for i, q in enumerate(train) if q.kept}

    def learner(labelled: list[int], kept: list[bool]) -> np.ndarray | None:
        if len(labelled) < 5:
            return None
        model = learning.train([train_ex[i] for i in labelled], vectors)
        return np.array([r.keep_p for r in model.readings(x_train, sway_train, [e.suggested for e in train_ex])])

    order = active_order(len(train), prior_train, kept_train, learner)
    draft_order = list(np.argsort(-prior_train, kind="stable"))
    kept_test = np.array([q.kept for q in test], dtype=float)
    requests_test = [q.request for q in test]
    heading_ix = [i for i, q in enumerate(test) if q.role is not None]
    true_heading = [heading_of(test[i].role or Role.CONTEXT) for i in heading_ix]
    curve = []
    for n in CHECKPOINTS:
        labelled = order[:n]
        if n >= 5:
            model = learning.train([train_ex[i] for i in labelled], vectors)
            readings = model.readings(x_test, sway_test, [e.suggested for e in test_ex])
            keep = np.array([r.keep_p for r in readings])
            desk_heading = [heading_of(readings[i].role) for i in heading_ix]
            switched.append((n, model.meta["use_role"], model.meta["use_keep"]))
        else:
            keep = np.full(len(test), 0.5)
            desk_heading = [heading_of(test[i].suggested) for i in heading_ix]
        tfidf = _tfidf_scores([train[i].text for i in labelled], [train[i].kept for i in labelled], [q.text for q in test])
        base = prior_test * (tfidf if tfidf is not None else 0.5)
        desk_score = prior_test * keep
        curve.append(
            {
                "decisions": n,
                "desk top-20 keep precision": _top_precision(desk_score, kept_test, 20),
                "tfidf top-20 keep precision": _top_precision(base, kept_test, 20),
                "desk top-5 per request": _per_request_precision(desk_score, kept_test, requests_test, 5),
                "tfidf top-5 per request": _per_request_precision(base, kept_test, requests_test, 5),
                "desk heading accuracy": float(np.mean([a == b for a, b in zip(desk_heading, true_heading, strict=True)])),
            }
        )
    shipped_heading = float(np.mean([heading_of(test[i].suggested) == h for i, h in zip(heading_ix, true_heading, strict=True)]))
    return {
        "train quotes": len(train),
        "test quotes": len(test),
        "kept share (test)": float(kept_test.mean()),
        "heading-judged test quotes": len(heading_ix),
        "shipped heading accuracy": shipped_heading,
        "curve": curve,
        "heads switched on (decisions, role, keep)": switched,
        "wss@95 desk order": wss_at(order, kept_train, len(train)),
        "wss@95 draft order": wss_at(draft_order, kept_train, len(train)),
    }


# --- the sentence sets' heading stream --------------------------------------------------------------


def load_sentences(names: tuple[str, ...]) -> list[tuple[str, str, Role]]:
    out = []
    for name in names:
        with (DATA / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            for r in csv.DictReader(handle):
                label = r["label"].strip()
                role = Role.BARRIER if label == "barrier" else Role.FACILITATOR if label == "facilitator" else Role.CONTEXT
                out.append((r["article_id"], r["text"], role))
    return out


def run_headings(vectors: QuoteVectors, seed: int = 0) -> dict[str, object]:
    """Headings on hand-labelled sentences: review sentences the classifier suggests, score held-out articles."""
    def suggested_only(rows):
        roles = [c.role for c in classify_many([t for _, t, _ in rows])]
        return [(a, t, truth, s) for (a, t, truth), s in zip(rows, roles, strict=True) if heading_of(s) in ("Barriers", "Facilitators")]

    train = suggested_only(load_sentences(("evidence_train", "evidence_dev")))
    test = suggested_only(load_sentences(("evidence_test", "evidence_holdout", "evidence_holdout2")))
    random.Random(seed).shuffle(train)
    ex_train = [Example(t, "", s, truth, truth is not Role.CONTEXT, zlib.crc32(a.encode()), i, None) for i, (a, t, truth, s) in enumerate(train)]
    x_test, sway_test = features([t for _, t, _, _ in test], [""] * len(test), [s for _, _, _, s in test], vectors)
    vectors.save()
    truth = [heading_of(r) for _, _, r, _ in test]
    curve = []
    for n in CHECKPOINTS:
        if n >= 5:
            model = learning.train(ex_train[:n], vectors)
            got = [heading_of(r.role) for r in model.readings(x_test, sway_test, [s for _, _, _, s in test])]
        else:
            got = [heading_of(s) for _, _, _, s in test]
        base = "n/a"
        labels_n = [heading_of(e.role) for e in ex_train[:n]]
        if n >= 5 and len(set(labels_n)) >= 2:
            vec = TfidfVectorizer(sublinear_tf=True).fit([e.text for e in ex_train] + [t for _, t, _, _ in test])
            lr = LogisticRegression(C=1.0, max_iter=500).fit(vec.transform([e.text for e in ex_train[:n]]), labels_n)
            base = float(np.mean([a == b for a, b in zip(lr.predict(vec.transform([t for _, t, _, _ in test])), truth, strict=True)]))
        curve.append({"decisions": n, "desk": float(np.mean([a == b for a, b in zip(got, truth, strict=True)])), "tfidf lr": base})
    return {"train sentences": len(train), "test sentences": len(test), "curve": curve}


# --- speed ------------------------------------------------------------------------------------------


def run_speed(vectors: QuoteVectors) -> dict[str, float]:
    """Time a retrain on 1,000 labels (with its held-back check; vectors cached, as on a desk) and
    reading sentences, next to a TF-IDF + logistic regression fit and the shipped classifier."""
    rows = load_sentences(("evidence_train",))[:1000]
    texts = [t for _, t, _ in rows]
    examples = [
        Example(t, "community health", Role.BARRIER, r, r is not Role.CONTEXT, zlib.crc32(a.encode()), i, None)
        for i, (a, t, r) in enumerate(rows)
    ]
    vectors.of([*texts, "community health"])
    started = time.perf_counter()
    model = learning.train(examples, vectors)
    train_s = time.perf_counter() - started
    started = time.perf_counter()
    matrix = TfidfVectorizer(sublinear_tf=True).fit_transform(texts)
    LogisticRegression(C=1.0, max_iter=500).fit(matrix, [e.kept for e in examples])
    tfidf_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(3):
        model.read(texts, "community health", [Role.BARRIER] * len(texts), vectors)
    read_rate = 3 * len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    classify_many(texts)
    shipped_rate = len(texts) / (time.perf_counter() - started)
    vectors.save()
    return {
        "retrain on 1,000 labels incl. held-back check (s)": train_s,
        "tf-idf + LR fit on the same (s)": tfidf_s,
        "desk model reads sentences/s (vectors cached)": read_rate,
        "shipped classifier sentences/s": shipped_rate,
    }


def print_quotes(q: dict, split: str) -> None:
    print(f"\nQuotes judged blind, split by {split}: {q['train quotes']} reviewed (one half of the {split}s), {q['test quotes']} scored "
          f"(the other half; {q['kept share (test)']:.0%} kept). Shipped heading accuracy {q['shipped heading accuracy']:.1%} "
          f"on {q['heading-judged test quotes']} quotes with a settled heading.")
    print(f"{'decisions':>9} | {'top-20 keep (desk)':>18} {'(tf-idf)':>9} | {'top-5/request (desk)':>20} {'(tf-idf)':>9} | {'heading (desk)':>14}")
    for c in q["curve"]:  # type: ignore[union-attr]
        print(f"{c['decisions']:>9} | {c['desk top-20 keep precision']:>18.1%} {c['tfidf top-20 keep precision']:>9.1%} | "
              f"{c['desk top-5 per request']:>20.1%} {c['tfidf top-5 per request']:>9.1%} | {c['desk heading accuracy']:>14.1%}")
    print(f"Heads switched on by their held-back check (decisions, role, keep): {q['heads switched on (decisions, role, keep)']}")
    print(f"WSS@95 finding the keepers: desk order {q['wss@95 desk order']:.1%}, draft order {q['wss@95 draft order']:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("screening", "quotes", "speed", "all"), default="all")
    parser.add_argument("--seeds", type=int, default=5, help="Seeds for the baselines' random prior knowledge.")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    # Small fits, many of them: one BLAS thread each is far faster than threads contending for 2 cores.
    threadpool_limits(limits=1, user_api="blas")
    vectors = QuoteVectors(MiniLMEmbedder(), CACHE)
    report: dict[str, object] = {}
    if args.part in ("quotes", "all"):
        for split in ("document", "request"):
            report[f"quotes by {split}"] = q = run_quotes(vectors, split)
            print_quotes(q, split)
        report["headings"] = h = run_headings(vectors)
        print(f"\nHeadings on hand-labelled sentences the classifier files under Barriers/Facilitators: "
              f"{h['train sentences']} to review, {h['test sentences']} held out (other articles)")
        for c in h["curve"]:  # type: ignore[union-attr]
            base = c["tfidf lr"]
            print(f"  after {c['decisions']:>3} decisions: desk {c['desk']:.1%}   tf-idf LR {base if isinstance(base, str) else f'{base:.1%}'}")
    if args.part in ("quotes", "speed", "all"):
        report["speed"] = sp = run_speed(vectors)
        print("\n" + "; ".join(f"{k}: {v:,.2f}" for k, v in sp.items()))
    if args.part in ("screening", "all"):
        rows = run_screening(vectors, args.seeds)
        report["screening"] = rows
        methods = ("desk", "question only", "tfidf nb", "tfidf lr", "random")
        print(f"\nScreening (SYNERGY): WSS@95 / recall after 10 % screened; baselines mean of {args.seeds} seeds")
        print(f"{'set':16} {'n':>5} {'incl':>4} | " + " | ".join(f"{m:>15}" for m in methods))
        for r in rows:
            print(f"{r['set']:16} {r['records']:>5} {r['included']:>4} | " + " | ".join(
                f"{r[m][0]:6.1%} / {r[m][1]:5.1%}" for m in methods))  # type: ignore[index]
        means = {m: (np.mean([r[m][0] for r in rows]), np.mean([r[m][1] for r in rows])) for m in methods}  # type: ignore[index]
        print(f"{'mean':16} {'':>5} {'':>4} | " + " | ".join(f"{means[m][0]:6.1%} / {means[m][1]:5.1%}" for m in methods))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=float), encoding="utf-8")


if __name__ == "__main__":
    main()
