"""Benchmark: matching 5,000 needs against 200,000 patents, and one new need against the pool.

    .venv/bin/python bench/matching.py [--size province|tenth|small] [--needs 5] [--no-baseline]

On the benchmark dataset (bench/data/, generated first when missing), through the real service
(patents.services.needs_match, the body of the Celery tasks), in this order:

1. the pool read from the database and segmented, and the matching index built from it;
2. baseline, side by side: the matching as first written (the plain definition, one pair at a
   time in Python: patents/tests/test_matching.py `reference_*`) for one need against the same
   pool, and what that makes for every need;
3. the full run (the nightly `match_needs`) with no index yet (a new worker, nothing saved),
   then again with the index in memory, and the scoring alone;
4. a worker restart: the index loaded from its file and checked against the database;
5. new needs posted one after another (services.need_create; the matching runs in-process
   when it commits), then one more after a patent was edited (the index is patched first);
6. precision@5 and recall@10 on the labelled set (bench/match_quality.py).

Goals (issue 9): full run < 60 s; one new need < 1 s. The needs this script posts are deleted
at the end, with their suggestions and inbox rows; the edited patent keeps its content.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_FULL = 60.0
GOAL_ONE = 1.0


def timed(call):
    start = time.perf_counter()
    result = call()
    return time.perf_counter() - start, result


def megabytes(pool) -> float:
    arrays = [pool.keys, pool.stamps, pool.industry]
    for matrix in (pool.tf, pool.inverted, pool.groups, pool.classes):
        arrays += [matrix.data, matrix.indices, matrix.indptr]
    arrays.append(pool.row_of_entry)
    return sum(array.nbytes for array in arrays) / 1_048_576


def segment_and_baseline(rows: list, *, skip_baseline: bool) -> float | None:
    """Segment the pool and build its index (printed), then run the matching as first written
    for one need against the same pool; returns its seconds (None when skipped)."""
    from patents import matching, pool_index, services
    from patents.models import TechNeed
    from patents.tests import test_matching

    fields = ("pk", "title", "abstract", "industry", "ipc")
    read_s, texts = timed(lambda: list(pool_index.pool_patents().values_list(*fields)))
    segment_s, documents = timed(lambda: [matching.document(*row) for row in texts])
    build_s, pool = timed(lambda: matching.Pool.build(documents))
    words = sum(len(doc.words) for doc in documents) / max(len(documents), 1)
    print(f"read {read_s:.1f} s, segmented {segment_s:.1f} s "
          f"({len(documents) / segment_s:,.0f} patents/s, {words:.0f} words each), "
          f"index built {build_s:.1f} s: {len(pool.words):,} words, "
          f"{megabytes(pool):.0f} MB")  # fmt: skip
    need = TechNeed.objects.filter(is_open=True).order_by("pk").first()
    if need is None or skip_baseline:
        return None
    doc = services.needs._need_document(need)
    vectors_s, vectors = timed(lambda: test_matching.reference_vectors([*documents, doc]))
    score_s, plain = timed(lambda: test_matching.reference_rank(doc, documents, vectors))
    fast = matching.rank(pool, [doc])[need.pk]
    same = [s[:2] for s in plain] == [(s.patent, s.score) for s in fast]
    one = read_s + segment_s + vectors_s + score_s
    print(f"as first written, one need: read + segment the pool {read_s + segment_s:.1f} s, "
          f"TF-IDF {vectors_s:.1f} s, score every patent {score_s:.1f} s = {one:.1f} s; "
          f"same suggestions as now: {'yes' if same else 'NO'}")  # fmt: skip
    needs = TechNeed.objects.filter(is_open=True).count()
    rows.append(("one need, as first written", f"{one:.1f} s", "baseline"))
    rows.append((f"all {needs:,} needs, as first written",
                 f"≈ {one - score_s + score_s * needs:,.0f} s",
                 "baseline (extrapolated: each need scores the whole pool)"))  # fmt: skip
    return one


def verdict(seconds: float, goal: float) -> str:
    return f"< {goal:g} s: {'met' if seconds < goal else 'MISSED'} ({seconds / goal:.2f} of it)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="province")
    parser.add_argument("--needs", type=int, default=5, help="new needs posted and timed")
    parser.add_argument("--no-baseline", action="store_true", help="skip the plain-Python run")
    options = parser.parse_args()
    # The matching of a new need runs in this process when its transaction commits.
    os.environ.pop("CELERY_BROKER_URL", None)
    from bench.generate import ensure

    scale = ensure(options.size)
    logging.getLogger("celery").setLevel(logging.WARNING)  # no line per task run in-process

    from django.db import transaction
    from django.urls import reverse

    from bench.data import users
    from bench.data.base import enterprises
    from patents import matching, pool_index, services
    from patents.models import Patent, TechNeed
    from portal.models import Notification
    from portal.services import emails_suppressed

    users.refresh()
    open_needs = TechNeed.objects.filter(is_open=True).count()
    in_pool = pool_index.pool_patents().count()
    print(f"\nmatching on {scale.database}: {in_pool:,} patents in the pool (valid, unconverted) "
          f"of {Patent.objects.count():,}; {open_needs:,} open needs")  # fmt: skip
    rows: list[tuple[str, str, str]] = []  # (what, figure, goal / note)

    # 1 and 2. Segmenting, the index, and the baseline.
    baseline_one = segment_and_baseline(rows, skip_baseline=options.no_baseline)

    # 3. The full run: cold (no index in memory, none saved), then warm.
    pool_index.forget()
    pool_index.cache_path().unlink(missing_ok=True)
    with emails_suppressed():
        cold_s, _new = timed(lambda: services.needs_match(full=True))
        warm_s, _new = timed(lambda: services.needs_match(full=True))
    pool = pool_index.current()
    needs = list(TechNeed.objects.filter(is_open=True))
    docs_s, docs = timed(lambda: [services.needs._need_document(n) for n in needs])
    rank_s, found = timed(lambda: matching.rank(pool, docs))
    suggested = sum(len(s) for s in found.values())
    per_need = suggested / max(len(needs), 1)
    rows.append((f"full run, {open_needs:,} needs, no index yet", f"{cold_s:.1f} s",
                 verdict(cold_s, GOAL_FULL)))  # fmt: skip
    rows.append((f"full run, {open_needs:,} needs, index in memory", f"{warm_s:.1f} s",
                 verdict(warm_s, GOAL_FULL)))  # fmt: skip
    rows.append(("  of which segmenting the needs", f"{docs_s:.1f} s", ""))
    rows.append(("  of which scoring (vectorised)", f"{rank_s:.1f} s",
                 f"{suggested:,} suggestions, {per_need:.1f} a need"))  # fmt: skip

    # 4. A worker restart: the saved index, checked against the database.
    pool_index.forget()
    restart_s, pool = timed(pool_index.current)
    rows.append(("index after a restart (file + check)", f"{restart_s:.2f} s", ""))

    # 5. New needs, one after another, as enterprises post them.
    author = users.applicants()
    # Enterprises without a need post one each, reusing the wording of existing needs.
    posters = [
        author[org.pk]
        for org in enterprises().exclude(needs__isnull=False).only("pk")[: options.needs + 2]
        if org.pk in author
    ]
    subjects = list(TechNeed.objects.order_by("pk").values(
        "title", "description", "industry", "ipc")[: len(posters)])  # fmt: skip
    if len(subjects) < 3:
        raise SystemExit("the dataset has too few needs or enterprises without one")
    posted: list[int] = []
    reverse("patents:need_detail", args=[1])  # URLconf loaded once, as in a running worker

    def post(index: int) -> float:
        data = {**subjects[index], "cooperation": TechNeed.Cooperation.LICENCE}
        data["title"] = f"{data['title']}（基准新需求）"
        with emails_suppressed():
            seconds, made = timed(lambda: services.need_create(actor=posters[index], data=data))
        posted.append(made.pk)
        if TechNeed.objects.get(pk=made.pk).matched_at is None:
            raise SystemExit("the new need was not matched in-process: is a broker configured?")
        return seconds

    try:
        one = [post(index) for index in range(len(subjects) - 2)]
        edited = pool_index.pool_patents().order_by("pk").first()
        edited.save(update_fields=["updated_at"])  # as an edit or a screening stamps it
        after_edit = post(len(subjects) - 2)
        pool_index.forget()
        after_restart = post(len(subjects) - 1)
        median = statistics.median(one)
        rows.append((f"one new need (median of {len(one)})", f"{median:.2f} s",
                     verdict(median, GOAL_ONE)))  # fmt: skip
        rows.append((f"one new need (slowest of {len(one)})", f"{max(one):.2f} s",
                     verdict(max(one), GOAL_ONE)))  # fmt: skip
        rows.append(("one new need after a patent was edited", f"{after_edit:.2f} s",
                     verdict(after_edit, GOAL_ONE)))  # fmt: skip
        rows.append(("one new need after a worker restart", f"{after_restart:.2f} s",
                     "index loaded from its file first"))  # fmt: skip
    finally:
        with transaction.atomic():
            Notification.objects.filter(
                event="patent.match.new",
                url__in=[reverse("patents:need_detail", args=[pk]) for pk in posted],
            ).delete()
            TechNeed.objects.filter(pk__in=posted).delete()

    # 6. Quality on the labelled set.
    from bench import match_quality

    precision, recall = match_quality.evaluate(text_only=False, show=lambda *_: None)
    text_precision, text_recall = match_quality.evaluate(text_only=True, show=lambda *_: None)
    possible = match_quality.best_possible()
    rows.append(("precision@5, labelled set", f"{precision:.2f}",
                 f"text alone {text_precision:.2f}; at best {possible:.2f} here"))  # fmt: skip
    rows.append(("recall@10, labelled set", f"{recall:.2f}", f"text alone {text_recall:.2f}"))

    print(f"\n{'':<46} {'figure':>10}  goal / baseline")
    for what, figure, note in rows:
        print(f"{what:<46} {figure:>10}  {note}")
    if baseline_one:
        print(f"one need: {baseline_one / median:,.0f}× faster than as first written")


if __name__ == "__main__":
    main()
