"""Benchmark: match quality on the labelled set (patents/tests/labelled.py).

For each need whose right patents are known, ranks the pool and reports precision@5 (share of the
top five that are right) and recall@10 (share of the right ones found in the top ten), per need
and averaged, next to what ranking by text alone gives (the industry and IPC weights off), so the
two are compared side by side in one run. Needs no database.

    .venv/bin/python bench/match_quality.py
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

import django  # noqa: E402

django.setup()

from patents import matching  # noqa: E402
from patents.tests.labelled import NEEDS, PATENTS  # noqa: E402


def evaluate(text_only: bool, show=print) -> tuple[float, float]:
    saved = matching.TEXT_WEIGHT, matching.INDUSTRY_WEIGHT, matching.IPC_WEIGHT
    if text_only:
        matching.TEXT_WEIGHT, matching.INDUSTRY_WEIGHT, matching.IPC_WEIGHT = 1.0, 0.0, 0.0
    try:
        pool = matching.Pool.build(matching.document(*row) for row in PATENTS)
        needs = [(matching.document(k, t, d, i, ipc), right) for k, t, d, i, ipc, right in NEEDS]
        # IDF over the pool and every need, as one matching run of all of them.
        found = matching.rank(pool, [doc for doc, _right in needs], top=10)
        precisions, recalls = [], []
        for doc, right in needs:
            ranked = [s.patent for s in found[doc.key]]
            precision = len(set(ranked[:5]) & right) / 5
            recall = len(set(ranked[:10]) & right) / len(right)
            precisions.append(precision)
            recalls.append(recall)
            show(f"  need {doc.key}: top {ranked[:5]}  right {sorted(right)}  "
                 f"P@5 {precision:.2f}  R@10 {recall:.2f}")  # fmt: skip
        return sum(precisions) / len(precisions), sum(recalls) / len(recalls)
    finally:
        matching.TEXT_WEIGHT, matching.INDUSTRY_WEIGHT, matching.IPC_WEIGHT = saved


def best_possible() -> float:
    """The highest mean P@5 this set allows (a need with one right patent scores 1/5 at best)."""
    return sum(min(len(right), 5) / 5 for *_rest, right in NEEDS) / len(NEEDS)


def main() -> None:
    possible = best_possible()
    print(f"labelled set: {len(PATENTS)} patents, {len(NEEDS)} needs; "
          f"the best possible P@5 here is {possible:.2f}")  # fmt: skip
    print("text + industry + IPC:")
    full = evaluate(text_only=False)
    print("text only:")
    text = evaluate(text_only=True)
    print(f"mean P@5  {full[0]:.2f} (text only {text[0]:.2f}; ratio {full[0] / possible:.2f} "
          f"of the best possible)")  # fmt: skip
    print(f"mean R@10 {full[1]:.2f} (text only {text[1]:.2f})")


if __name__ == "__main__":
    main()
