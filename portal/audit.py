"""The audit log's integrity: the hash chain, its verification, and the retention purge.

GB/T 22239-2019 (level 3) 8.1.4.3 c) asks that audit records be protected against unexpected
deletion, modification or overwriting; the Cybersecurity Law (art. 21) asks that network logs be
kept at least six months. The model and a PostgreSQL trigger already refuse UPDATE and DELETE;
the chain makes any change made past them visible to `manage.py verify_audit_chain`.

The chain
---------
Each row stores `prev_hash` (the `hash` of the row before it in id order; "" for the first row,
or the checkpoint's `last_hash` after a purge), `hash_algorithm` and `hash`, the hex digest of
the UTF-8 bytes of this JSON document (`canonical`), keys sorted, no spaces, non-ASCII kept:

    {"actor_id": 7 | null, "actor_label": "...", "after": {...} | null, "algorithm": "sha256",
     "at": "2025-06-01T08:00:00.123456Z", "before": {...} | null, "event": "...",
     "ip": "10.1.2.3" | null, "outcome": "success", "prev_hash": "...", "reason": "...",
     "target_id": "42", "target_label": "...", "target_type": "projects.application" | "",
     "v": 1}

`at` is UTC with microseconds; `target_type` is the content type's natural key; `before` and
`after` are the JSON the database stores (DjangoJSONEncoder: Decimal and dates as text), with
floats that are whole numbers written as integers (PostgreSQL's jsonb may print 1e20 as
100000000000000000000). The row id is not hashed (it is only known after the insert, and the row
cannot be updated then); order is kept by `prev_hash` instead.

Appends are serialised: on PostgreSQL `append` takes a transaction-level advisory lock before
it reads the last hash, so two writers never chain to the same predecessor; the lock is held to
the end of the writer's transaction. SQLite serialises writers by itself.

An IPv6 address is hashed as Django stores it (`clean_ipv6_address`). The hash is keyless: it
proves the rows unchanged since the chain was last checked, not against someone able to rewrite
every row after the one changed. Nor can the chain tell that the newest rows were removed
(nothing follows them). So the verifier prints the head (id and hash), and a purge the SHA-256 of
its archive: an operator keeps both somewhere else and compares later.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address
from django.utils.translation import gettext as _

from portal import events, formats
from portal.models import AuditCheckpoint, AuditEntry

CHAIN_VERSION = 1
# SM3 is the Chinese national standard hash (GB/T 32905-2016), offered when OpenSSL has it.
ALGORITHMS = ("sha256", "sm3")
MIN_RETENTION_DAYS = 180
# Any constant works as long as nothing else takes this advisory lock ("auditlog" in ASCII).
LOCK_KEY = 0x61756469746C6F67

# The columns `canonical` reads, in the order `verify` fetches them.
CHAIN_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "ip",
    "event",
    "outcome",
    "target_type__app_label",
    "target_type__model",
    "target_id",
    "target_label",
    "reason",
    "before",
    "after",
    "hash_algorithm",
    "prev_hash",
    "hash",
)


# Hashing -------------------------------------------------------------------------------------


def algorithm() -> str:
    return settings.AUDIT_HASH_ALGORITHM


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _whole(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_whole(item) for item in value]
    return value


def _stored_json(value: Any) -> Any:
    """The value as a JSONField gives it back after a round trip through the database."""
    if value is None:
        return None
    return _whole(json.loads(json.dumps(value, cls=DjangoJSONEncoder)))


def _ip(value: str | None) -> str | None:
    if not value:
        return None
    return clean_ipv6_address(value) if ":" in value else value


def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes hashed for one row (keys of CHAIN_FIELDS; see the module docstring)."""
    app_label, model = row.get("target_type__app_label"), row.get("target_type__model")
    document = {
        "v": CHAIN_VERSION,
        "algorithm": row["hash_algorithm"],
        "prev_hash": row["prev_hash"],
        "at": row["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": row["actor_id"],
        "actor_label": row["actor_label"],
        "ip": _ip(row["ip"]),
        "event": row["event"],
        "outcome": row["outcome"],
        "target_type": f"{app_label}.{model}" if app_label else "",
        "target_id": row["target_id"],
        "target_label": row["target_label"],
        "reason": row["reason"],
        "before": _stored_json(row["before"]),
        "after": _stored_json(row["after"]),
    }
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest(row: Mapping[str, Any]) -> str:
    return hashlib.new(row["hash_algorithm"], canonical(row)).hexdigest()


def _row_of(entry: AuditEntry) -> dict[str, Any]:
    target_type = entry.target_type
    return {
        "at": entry.at,
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "ip": entry.ip,
        "event": entry.event,
        "outcome": entry.outcome,
        "target_type__app_label": target_type.app_label if target_type else None,
        "target_type__model": target_type.model if target_type else None,
        "target_id": entry.target_id,
        "target_label": entry.target_label,
        "reason": entry.reason,
        "before": entry.before,
        "after": entry.after,
        "hash_algorithm": entry.hash_algorithm,
        "prev_hash": entry.prev_hash,
    }


# Appending -----------------------------------------------------------------------------------


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _last_hash() -> str:
    last = AuditEntry.objects.order_by("-id").values_list("hash", flat=True).first()
    if last is not None:
        return last
    checkpoint = AuditCheckpoint.objects.order_by("-last_id").values_list("last_hash", flat=True)
    return checkpoint.first() or ""


def append(entry: AuditEntry) -> AuditEntry:
    """Insert `entry` at the end of the chain (services.audit_record is the only caller).

    Costs one lock and one indexed SELECT per row; nothing is cached across transactions."""
    with transaction.atomic(savepoint=False):
        _lock()
        entry.prev_hash = _last_hash()
        entry.at = timezone.now()  # after the lock: time order follows chain order
        entry.hash_algorithm = algorithm()
        entry.hash = digest(_row_of(entry))
        entry.save(force_insert=True)
    return entry


# Verifying -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    kind: str  # "changed", "inserted", "deleted" or "checkpoint"
    entry_id: int | None
    message: str


@dataclass(frozen=True)
class Verification:
    checked: int
    start: AuditCheckpoint | None
    head_id: int | None
    head_hash: str
    problem: Break | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _rows(start_id: int, upto: int | None) -> Iterator[dict[str, Any]]:
    entries = AuditEntry.objects.filter(id__gt=start_id)
    if upto is not None:
        entries = entries.filter(id__lte=upto)
    for values in entries.order_by("id").values_list(*CHAIN_FIELDS).iterator(chunk_size=2000):
        yield dict(zip(CHAIN_FIELDS, values, strict=True))


def _checkpoint_problem(checkpoint: AuditCheckpoint) -> Break | None:
    recorded = AuditEntry.objects.filter(
        event=events.AUDIT_PURGE,
        after__last_id=checkpoint.last_id,
        after__last_hash=checkpoint.last_hash,
    ).exists()
    if not recorded:
        return Break(
            "checkpoint",
            None,
            f"Checkpoint up to entry {checkpoint.last_id} matches no audit.purge entry: "
            "it was forged or changed.",
        )
    left = AuditEntry.objects.filter(id__lte=checkpoint.last_id).order_by("id").first()
    if left is not None:
        return Break(
            "inserted",
            left.pk,
            f"Entry {left.pk} is at or before the purge checkpoint ({checkpoint.last_id}): "
            "it was inserted after the purge.",
        )
    return None


def verify(*, upto: int | None = None) -> Verification:
    """Walk the rows in id order from the latest checkpoint; stop at the first broken link."""
    checkpoint = AuditCheckpoint.objects.order_by("-last_id").first()
    start_id = checkpoint.last_id if checkpoint else 0
    expected = checkpoint.last_hash if checkpoint else ""
    problem = _checkpoint_problem(checkpoint) if checkpoint else None
    before_previous: str | None = None
    previous_id: int | None = start_id or None
    checked = 0
    rows = _rows(start_id, upto)
    row = next(rows, None)
    while row is not None and problem is None:
        following = next(rows, None)
        problem = _link_problem(row, following, expected, before_previous, previous_id)
        if problem is None:
            checked += 1
            before_previous, expected, previous_id = expected, row["hash"], row["id"]
        row = following
    return Verification(
        checked=checked,
        start=checkpoint,
        head_id=previous_id,
        head_hash=expected,
        problem=problem,
    )


def _link_problem(
    row: dict[str, Any],
    following: dict[str, Any] | None,
    expected: str,
    before_previous: str | None,
    previous_id: int | None,
) -> Break | None:
    entry_id = row["id"]
    try:
        computed = digest(row)
    except ValueError:  # an algorithm this Python's hashlib lacks, or a forged name
        computed = None
    if computed != row["hash"]:
        if following is not None and following["prev_hash"] == expected:
            return Break(
                "inserted",
                entry_id,
                f"Entry {entry_id} was inserted: its hash does not match its content and the "
                "next entry chains past it.",
            )
        return Break(
            "changed",
            entry_id,
            f"Entry {entry_id} was changed: its content no longer matches its hash.",
        )
    if row["prev_hash"] == expected:
        return None
    # `before_previous` is None until a row of this walk has been checked: before that, the
    # expected hash is the start of the chain (or the checkpoint), not a row's.
    if before_previous is not None:
        if row["prev_hash"] == before_previous:
            return Break(
                "inserted",
                previous_id,
                f"Entry {previous_id} was inserted: entry {entry_id} chains to the entry "
                "before it.",
            )
        # before_previous is set only once a row was checked, and previous_id with it to
        # that row's id.
        previous = cast(int, previous_id)
        if entry_id == previous + 1:  # no id is missing: nothing was deleted in between
            return Break(
                "changed",
                previous_id,
                f"Entry {previous_id} was rewritten with a new hash: entry {entry_id} does not "
                "chain to it.",
            )
        where = f"between entries {previous_id} and {entry_id}"
    else:
        where = f"before entry {entry_id}"
    return Break("deleted", entry_id, f"Entries were deleted {where}: the chain is broken.")


# Retention -----------------------------------------------------------------------------------


def retention_days() -> int:
    return max(settings.AUDIT_RETENTION_DAYS, MIN_RETENTION_DAYS)


def latest_purge_date() -> date:
    """The latest `before` date a purge accepts today."""
    return timezone.localdate() - timedelta(days=retention_days())


def archive_dir() -> Path:
    return Path(settings.VAR_DIR) / "audit-archive"


def _archive_path(archive: Path | None, *, last_id: int) -> Path:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    name = f"audit-archive-{stamp}-to-{last_id}.xlsx"
    path = Path(archive) if archive else archive_dir() / name
    if path.is_dir() or path.suffix.lower() != ".xlsx":  # a directory, existing or to be made
        path = path / name
    if path.exists():
        raise ValidationError({"archive": _("%(path)s already exists.") % {"path": path}})
    return path


def _write_archive(path: Path, entries) -> str:
    """The rows to purge as .xlsx, written completely (temporary file, fsync, rename) before
    anything is deleted. Returns the file's SHA-256."""
    from portal import exporters

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            exporters.audit_workbook(entries, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user with no name
        return f"uid {os.getuid()}"


def purge(*, before: date, archive: Path | None = None, actor_label: str = "") -> AuditCheckpoint:
    """Move the entries older than `before` (local midnight) to an .xlsx archive and delete them.

    Refuses a date younger than AUDIT_RETENTION_DAYS (at least 180 days), and a chain that does
    not verify up to the last row purged. Only a prefix of the chain is removed (every row up to
    the first one at or after `before`), a checkpoint records where the chain now starts, and the
    purge itself is an audit row."""
    from portal.services import audit_record

    if before > latest_purge_date():
        raise ValidationError(
            {
                "before": _(
                    "Audit entries are kept %(days)d days: the date must be %(latest)s or earlier."
                )
                % {"days": retention_days(), "latest": formats.day(latest_purge_date())}
            }
        )
    cutoff = datetime.combine(before, time.min, tzinfo=timezone.get_current_timezone())
    with transaction.atomic():
        _lock()  # no append while the prefix is archived, deleted and checkpointed
        first_kept = (
            AuditEntry.objects.filter(at__gte=cutoff).order_by("id").values_list("id", flat=True)
        ).first()
        doomed = AuditEntry.objects.all()
        if first_kept is not None:
            doomed = doomed.filter(id__lt=first_kept)
        last = doomed.order_by("-id").values("id", "hash", "at").first()
        if last is None:
            raise ValidationError(
                {"before": _("No audit entry is older than %(date)s.") % {"date": before}}
            )
        check = verify(upto=last["id"])
        if check.problem is not None:  # not check.ok
            raise ValidationError(
                _("The audit chain is broken; nothing was purged. %(problem)s")
                % {"problem": check.problem.message}
            )
        rows = doomed.count()
        path = _archive_path(archive, last_id=last["id"])
        sha = _write_archive(
            path, doomed.select_related("target_type").order_by("id").iterator(chunk_size=2000)
        )
        with connection.cursor() as cursor:
            # The model and its queryset refuse deletes; this is the one sanctioned path (the
            # PostgreSQL trigger still refuses any row younger than 180 days).
            cursor.execute("DELETE FROM portal_auditentry WHERE id <= %s", [last["id"]])
            deleted = cursor.rowcount
        if deleted != rows:
            raise RuntimeError(f"purge expected to delete {rows} rows, deleted {deleted}")
        label = actor_label or f"purge_audit ({_os_user()})"
        checkpoint = AuditCheckpoint.objects.create(
            actor_label=label[:150],
            before=cutoff,
            last_id=last["id"],
            last_hash=last["hash"],
            rows=rows,
            archive=str(path),
            archive_sha256=sha,
        )
        audit_record(
            actor=None,
            actor_label=label[:150],
            event=events.AUDIT_PURGE,
            target=checkpoint,
            after={
                "before": before.isoformat(),
                "rows": rows,
                "last_id": last["id"],
                "last_hash": last["hash"],
                "archive": str(path),
                "archive_sha256": sha,
            },
        )
    return checkpoint


# Settings checks -----------------------------------------------------------------------------


@checks.register(checks.Tags.security)
def check_audit_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    days = settings.AUDIT_RETENTION_DAYS
    if days < MIN_RETENTION_DAYS:
        errors.append(
            checks.Error(
                f"AUDIT_RETENTION_DAYS is {days}: audit entries must be kept at least "
                f"{MIN_RETENTION_DAYS} days (Cybersecurity Law art. 21; GB/T 22239-2019).",
                hint=f"Set AUDIT_RETENTION_DAYS to {MIN_RETENTION_DAYS} or more.",
                id="portal.E301",
            )
        )
    name = settings.AUDIT_HASH_ALGORITHM
    if name not in ALGORITHMS or name not in hashlib.algorithms_available:
        errors.append(
            checks.Error(
                f"AUDIT_HASH_ALGORITHM is {name!r}: use one of "
                f"{', '.join(a for a in ALGORITHMS if a in hashlib.algorithms_available)}.",
                id="portal.E302",
            )
        )
    return errors
