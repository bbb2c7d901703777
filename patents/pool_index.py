"""The matching index of the pool (patents.matching.Pool), kept current with the database.

Segmenting the titles and abstracts of 200,000 patents takes seconds per ten thousand; matching
one new need must not wait for it. So the index is built once, kept in the process and saved to
`$VAR_DIR/matching/` (a worker that restarts starts from the file), and brought up to date by
patching only the patents that changed:

- every call first reads a fingerprint of the pool (count, sum of ids, latest `updated_at`:
  one aggregate query); when it equals the one the index was built at, the index is used as
  it is;
- otherwise the patents written since the index's latest stamp are read (all of them, to see
  those that left the pool: converted, lapsed); when they account for the new count and sum of
  ids, only they are segmented and their rows replaced or dropped;
- when they do not (a patent deleted, a change committed late), the `updated_at` of every
  patent of the pool is compared with the one the index holds for it.

Every write to what the matching reads (title, abstract, industry, IPC, legal status,
converted) goes through `save()`, `bulk_create()` or an `update()` that sets `updated_at`, which
is what makes its stamp a version. A change committed with an `updated_at`
older than the latest one already seen can leave the fingerprint unchanged; the next full
comparison (`current(full=True)`, which the nightly run and every import ask for) catches it.
The file is written again when the index was built afresh, after a full comparison, or when
many rows were patched: a restarted worker patches the few others itself.

The pool here is what the matching reads: valid, unconverted patents.
"""

import hashlib
import logging
import threading
from datetime import UTC, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Sum

from patents import matching
from patents.models import Patent

PATCH_CHUNK = 900  # ids per query when fetching changed patents (below SQLite's old limit)
READ_CHUNK = 5000
SAVE_AFTER = 1000  # patched rows that make saving the index again worth its time
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

logger = logging.getLogger(__name__)

_lock = threading.Lock()
# database name → (fingerprint, Pool)
_current: dict[str, tuple[tuple, matching.Pool]] = {}


def pool_patents():
    return Patent.objects.filter(status=Patent.Status.VALID, converted=False)


def _stamp(moment: datetime | None) -> int:
    return 0 if moment is None else (moment - EPOCH) // MICROSECOND


def _fingerprint() -> tuple:
    found = pool_patents().aggregate(count=Count("id"), ids=Sum("id"), last=Max("updated_at"))
    return found["count"], found["ids"] or 0, _stamp(found["last"])


def _database() -> str:
    return str(connection.settings_dict["NAME"])


def cache_path():
    """Where the index of this database is saved."""
    name = hashlib.sha256(_database().encode()).hexdigest()[:16]
    return settings.VAR_DIR / "matching" / f"pool-{name}.npz"


def _documents(rows) -> tuple[list[matching.Document], list[int]]:
    documents, stamps = [], []
    for pk, title, abstract, industry, ipc, updated_at in rows:
        documents.append(matching.document(pk, title, abstract, industry, ipc))
        stamps.append(_stamp(updated_at))
    return documents, stamps


FIELDS = ("pk", "title", "abstract", "industry", "ipc", "updated_at")


def _changed_documents(changed: list[int]) -> tuple[list[matching.Document], list[int]]:
    documents, stamps = [], []
    for start in range(0, len(changed), PATCH_CHUNK):
        chunk = changed[start : start + PATCH_CHUNK]
        found, found_stamps = _documents(pool_patents().filter(pk__in=chunk).values_list(*FIELDS))
        documents += found
        stamps += found_stamps
    return documents, stamps


def _recent(pool: matching.Pool, fingerprint: tuple) -> tuple[matching.Pool, int] | None:
    """The pool patched with the patents written since its latest stamp, when that accounts
    for the fingerprint (count and sum of ids); None when it does not (a patent deleted, or a
    change committed late): every stamp must then be compared."""
    latest = EPOCH + int(pool.stamps.max()) * MICROSECOND
    rows = Patent.objects.filter(updated_at__gt=latest).values_list("pk", "status", "converted")
    written = {pk: status == Patent.Status.VALID and not converted
               for pk, status, converted in rows}  # fmt: skip
    in_pool_before = np.isin(np.fromiter(written, dtype=np.int64, count=len(written)), pool.keys)
    held = dict(zip(written, in_pool_before.tolist(), strict=True))
    removed = [pk for pk, in_pool in written.items() if held[pk] and not in_pool]
    added = [pk for pk, in_pool in written.items() if in_pool and not held[pk]]
    count, ids, _last = fingerprint
    if len(pool) - len(removed) + len(added) != count or (
        int(pool.keys.sum()) - sum(removed) + sum(added) != ids
    ):
        return None
    changed = [pk for pk, in_pool in written.items() if in_pool]
    if not changed and not removed:
        return pool, 0
    documents, stamps = _changed_documents(changed)
    gone = set(changed) - {doc.key for doc in documents}
    return pool.patched(documents, stamps=stamps, removed=[*removed, *gone]), len(documents)


def _patch(pool: matching.Pool, fingerprint: tuple, *, full: bool) -> tuple[matching.Pool, int]:
    """The pool brought up to date with the database, and how many rows were segmented."""
    if len(pool) and not full:
        found = _recent(pool, fingerprint)
        if found is not None:
            return found
    current = pool_patents().values_list("pk", "updated_at").order_by().iterator(READ_CHUNK)
    stamps = {pk: _stamp(updated_at) for pk, updated_at in current}
    held = dict(zip(pool.keys.tolist(), pool.stamps.tolist(), strict=True))
    removed = [pk for pk in held if pk not in stamps]
    changed = [pk for pk, stamp in stamps.items() if held.get(pk) != stamp]
    if not removed and not changed:
        return pool, 0
    if len(changed) > len(stamps) // 2:
        rows = pool_patents().values_list(*FIELDS).order_by().iterator(READ_CHUNK)
        documents, row_stamps = _documents(rows)
        return matching.Pool.build(documents, stamps=row_stamps), len(documents)
    documents, row_stamps = _changed_documents(changed)
    # A patent changed between the two reads is patched with its newer stamp; one that left the
    # pool in between is dropped.
    gone = set(changed) - {doc.key for doc in documents}
    return pool.patched(documents, stamps=row_stamps, removed=[*removed, *gone]), len(documents)


def current(*, full: bool = False) -> matching.Pool:
    """The index of the pool as the database holds it now. `full` compares every stamp even
    when the fingerprint is unchanged (see the module's docstring)."""
    with _lock:
        database = _database()
        fingerprint = _fingerprint()
        known = _current.get(database)
        if known is not None and known[0] == fingerprint and not full:
            return known[1]
        held = known[1] if known is not None else None
        if held is None:
            held = matching.Pool.load(cache_path()) or matching.Pool.empty()
        pool, segmented = _patch(held, fingerprint, full=full)
        _current[database] = (fingerprint, pool)
        # Saved when it is worth it: a few patched rows are patched again after a restart.
        if pool is not held and (full or not len(held) or segmented >= SAVE_AFTER):
            try:
                pool.save(cache_path())
            except OSError:  # a read-only VAR_DIR: the index lives in this process only
                logger.warning("could not save the matching index to %s", cache_path())
        return pool


def forget() -> None:
    """Drop the index held in this process (the saved file stays)."""
    with _lock:
        _current.clear()
