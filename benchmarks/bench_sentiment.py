"""Benchmark: sentiment accuracy on labelled Chinese reviews, and the speed of themes + sentiment.

Accuracy: every line of the labelled set (default ``tests/data/sentiment/zh_reviews.tsv``,
``label<TAB>text`` with label ``pos``/``neg``; provenance in that folder's README) is scored
with :func:`reportgen.analytics.sentiment.sentiment_scores` and called positive when the
score is above ``DECISION_THRESHOLD``. The script prints n, accuracy (with a 95 % Wilson
interval), per-class precision and recall, and the share of lines without any sentiment
word (score exactly 0).

Speed (``--timing``): jieba's first load of its dictionary in a fresh interpreter, the
building of the private tokenizers, and then ``assign_themes`` + ``sentiment_scores`` +
``theme_summary`` on 2,000 distinct comments (the largest unit × period of the sample data
has about that many), median of ``--repeats`` runs.

``--sweep`` prints the accuracy for a range of thresholds: for use on the development split
only (see the README), never on the vendored evaluation set.

Run from the repository root::

    python benchmarks/bench_sentiment.py
    python benchmarks/bench_sentiment.py --timing
    python benchmarks/bench_sentiment.py --data other.tsv --sweep

A measurement tool, not a test; the regression test is tests/test_analytics_sentiment.py.
"""

from __future__ import annotations

import argparse
import math
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / "tests" / "data" / "sentiment" / "zh_reviews.tsv"
sys.path.insert(0, str(REPO))


def read_labelled(path: Path) -> tuple[list[str], list[str]]:
    labels, texts = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        label, _, text = line.partition("\t")
        if label not in ("pos", "neg") or not text:
            raise SystemExit(f"{path}:{number}: expected 'pos|neg<TAB>text'")
        labels.append(label)
        texts.append(text)
    return labels, texts


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (math.nan, math.nan)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def evaluate(labels: list[str], scores: list[float], threshold: float) -> dict[str, float]:
    """n, accuracy and per-class precision/recall of ``score > threshold`` → pos."""
    pred = ["pos" if s > threshold else "neg" for s in scores]
    n = len(labels)
    correct = sum(p == y for p, y in zip(pred, labels, strict=True))
    out: dict[str, float] = {"n": n, "correct": correct, "accuracy": correct / n if n else math.nan}
    for cls in ("pos", "neg"):
        tp = sum(p == cls and y == cls for p, y in zip(pred, labels, strict=True))
        predicted = sum(p == cls for p in pred)
        actual = sum(y == cls for y in labels)
        out[f"{cls}_n"] = actual
        out[f"{cls}_precision"] = tp / predicted if predicted else math.nan
        out[f"{cls}_recall"] = tp / actual if actual else math.nan
    out["no_sentiment_word"] = sum(s == 0 for s in scores) / n if n else math.nan
    return out


def score_all(texts: list[str]) -> list[float]:
    import pandas as pd

    from reportgen.analytics.sentiment import sentiment_scores

    return sentiment_scores(pd.Series(texts)).fillna(0.0).tolist()


def accuracy_report(path: Path, sweep: bool) -> None:
    from reportgen.analytics.sentiment import DECISION_THRESHOLD

    labels, texts = read_labelled(path)
    scores = score_all(texts)
    r = evaluate(labels, scores, DECISION_THRESHOLD)
    lo, hi = wilson(int(r["correct"]), int(r["n"]))
    print(f"data: {path}")
    print(f"n = {int(r['n'])} (pos {int(r['pos_n'])}, neg {int(r['neg_n'])})")
    print(
        f"accuracy = {r['accuracy']:.4f} (95% CI {lo:.4f}-{hi:.4f}) "
        f"at threshold score > {DECISION_THRESHOLD:g}"
    )
    for cls in ("pos", "neg"):
        print(f"  {cls}: precision {r[f'{cls}_precision']:.4f}  recall {r[f'{cls}_recall']:.4f}")
    print(f"lines without any sentiment word (score 0, called neg): {r['no_sentiment_word']:.1%}")
    covered = [(y, x) for y, x in zip(labels, scores, strict=True) if x != 0]
    if covered:
        acc = sum((x > DECISION_THRESHOLD) == (y == "pos") for y, x in covered) / len(covered)
        print(f"accuracy on the {len(covered)} lines with a sentiment word: {acc:.4f}")
    if sweep:
        print("threshold sweep (development data only):")
        for t in [x / 100 for x in range(-20, 21, 2)]:
            print(f"  > {t:+.2f}: accuracy {evaluate(labels, scores, t)['accuracy']:.4f}")


_JIEBA_PROBE = """
import time, logging
t0 = time.perf_counter()
import jieba
jieba.setLogLevel(logging.WARNING)
t1 = time.perf_counter()
jieba.Tokenizer().initialize()
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""


def timing_report(repeats: int) -> None:
    import pandas as pd

    probe = subprocess.run(
        [sys.executable, "-c", _JIEBA_PROBE], capture_output=True, text=True, check=True
    )
    imp, init = (float(x) for x in probe.stdout.split())
    print(f"fresh interpreter: import jieba {imp:.2f} s, load default dictionary {init:.2f} s")

    t0 = time.perf_counter()
    from reportgen.analytics import sentiment, themes

    t1 = time.perf_counter()
    sentiment.load_lexicon()
    t2 = time.perf_counter()
    sentiment._base_jieba()
    t3 = time.perf_counter()
    themes.theme_tokenizer(themes.load_themes())
    t4 = time.perf_counter()
    print(
        f"this process: import reportgen.analytics {t1 - t0:.2f} s, read lexicon "
        f"{t2 - t1:.2f} s, jieba default dictionary {t3 - t2:.2f} s, private tokenizer with "
        f"lexicon + theme words {t4 - t3:.2f} s"
    )
    from reportgen.sample_data import COMMENT_TEXTS

    _, reviews = read_labelled(DEFAULT_DATA)
    short = [t for t in COMMENT_TEXTS if len(t) < 200]
    sets = {
        "survey-style (sample data texts)": short,
        "long reviews (evaluation set)": reviews,
    }
    for label, pool in sets.items():
        cold_summary, cold_sentiment, warm_quotes = [], [], []
        for repeat in range(repeats):
            # distinct texts per repeat and per measurement, so that no token cache helps
            def fresh(tag: str, pool: list[str] = pool, repeat: int = repeat) -> pd.Series:
                return pd.Series([f"{pool[i % len(pool)]} #{tag}{repeat}-{i}" for i in range(2000)])

            frame = pd.DataFrame(
                {"comment": fresh("a"), "ltr": [float(i % 11) for i in range(2000)], "period": "Q"}
            )
            t = time.perf_counter()
            summary = themes.theme_summary(frame)
            cold_summary.append(time.perf_counter() - t)
            t = time.perf_counter()
            for theme in summary["theme"].head(5):
                themes.representative_quotes(frame, theme)
            warm_quotes.append(time.perf_counter() - t)
            comments = fresh("b")
            t = time.perf_counter()
            sentiment.sentiment_scores(comments)
            cold_sentiment.append(time.perf_counter() - t)
        chars = int(frame["comment"].str.len().sum())
        print(f"2,000 distinct {label} ({chars:,} characters), median of {repeats}:")
        print(
            f"  theme_summary (tokenise + themes + sentiment + statistics): "
            f"{statistics.median(cold_summary):.3f} s"
        )
        print(
            f"  then representative_quotes for the top 5 themes (tokens cached): "
            f"{statistics.median(warm_quotes):.3f} s"
        )
        print(f"  sentiment_scores alone: {statistics.median(cold_sentiment):.3f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sweep", action="store_true", help="development data only")
    parser.add_argument("--timing", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    if args.timing:  # first, so that nothing is loaded yet
        timing_report(args.repeats)
    else:
        accuracy_report(args.data, args.sweep)


if __name__ == "__main__":
    main()
