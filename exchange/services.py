"""Writes of the exchange: mappings (versioned), imports (checked, then all or nothing) and
exports, each permission-checked and audited."""

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange import events, files
from exchange.fields import TRANSFORMS, TYPES
from exchange.models import Mapping, Run
from exchange.targets import TARGETS, Plan
from exchange.workflow import RUN
from portal import formats, permissions, uploads
from portal import workflow as engine
from portal.imports import marks_failure
from portal.models import User
from portal.problems import Problem, blocking
from portal.services import audit_record

MAPPING_FIELDS = ("name", "direction", "target", "params", "columns", "sheet", "header_row",
                  "source", "is_active")  # fmt: skip


def _max_bytes() -> int:
    return settings.EXCHANGE_MAX_MB * 1_048_576


def check_columns(target_name: str, columns: object) -> dict[str, str]:
    """What is wrong with a mapping's columns, field → message."""
    target = TARGETS.get(target_name)
    if target is None:
        return {"target": _("Choose what the file maps onto.")}
    if not isinstance(columns, list) or not columns:
        return {"columns": _("Map at least one column.")}
    types, transforms = dict(TYPES), dict(TRANSFORMS)
    headers, fields_seen = set(), set()
    for number, column in enumerate(columns, start=1):
        if not isinstance(column, dict) or not str(column.get("header", "")).strip():
            return {"columns": _("Column %(n)d has no header.") % {"n": number}}
        header, name = column["header"].strip(), column.get("field", "")
        if name not in target.fields:
            return {"columns": _("Column %(n)d (%(header)s): choose one of the fields of "
                                 "“%(target)s”.")
                    % {"n": number, "header": header,
                       "target": formats.nested_quotes(target.label)}}  # fmt: skip
        if column.get("type", "text") not in types:
            return {"columns": _("Column %(n)d (%(header)s): unknown type “%(type)s”.")
                    % {"n": number, "header": header, "type": column.get("type")}}  # fmt: skip
        if column.get("transform", "") not in transforms:
            return {"columns": _("Column %(n)d (%(header)s): unknown transformation.")
                    % {"n": number, "header": header}}  # fmt: skip
        if column.get("type") == "choice" and not column.get("choices"):
            return {"columns": _("Column %(n)d (%(header)s): list the allowed values.")
                    % {"n": number, "header": header}}  # fmt: skip
        if header in headers or name in fields_seen:
            return {"columns": _("Column %(n)d (%(header)s) repeats a header or a field.")
                    % {"n": number, "header": header}}  # fmt: skip
        headers.add(header)
        fields_seen.add(name)
    missing = [str(target.fields[f]) for f in target.required if f not in fields_seen]
    if missing:
        return {
            "columns": _("Map the required fields: %(fields)s.")
            % {"fields": formats.names(missing)}
        }
    return {}


@transaction.atomic
def mapping_save(*, actor: User, data: dict, mapping: Mapping | None = None,
                 code: str = "") -> Mapping:  # fmt: skip
    """Create a mapping, or change one: a version a run used is kept, and the change becomes
    the next version."""
    permissions.require(actor, "exchange.mapping.manage")
    values = {name: data[name] for name in MAPPING_FIELDS if name in data}
    merged = ({name: getattr(mapping, name) for name in MAPPING_FIELDS} if mapping else {}) | values
    errors = check_columns(merged.get("target", ""), merged.get("columns"))
    if errors:
        raise ValidationError(errors)
    if mapping is None:
        if not code or Mapping.objects.filter(code=code).exists():
            raise ValidationError({"code": _("Give the mapping a new code.")})
        saved = Mapping(code=code, version=1, created_by=actor, **merged)
    elif mapping.runs.exists():
        latest = Mapping.objects.filter(code=mapping.code).aggregate(v=Max("version"))["v"]
        Mapping.objects.filter(code=mapping.code).update(is_active=False)
        saved = Mapping(code=mapping.code, version=latest + 1, created_by=actor,
                        **(merged | {"is_active": True}))  # fmt: skip
    else:
        saved = mapping
        for name, value in merged.items():
            setattr(saved, name, value)
    saved.full_clean()
    saved.save()
    audit_record(actor=actor, event=events.MAPPING_SAVE, target=saved,
                 after={"code": saved.code, "version": saved.version})  # fmt: skip
    return saved


@dataclass
class ImportResult:
    run: Run
    rows: int
    problems: list[Problem] = field(default_factory=list)
    plan: Plan | None = None

    @property
    def can_apply(self) -> bool:
        return self.plan is not None and not blocking(self.problems) and bool(self.plan.actions)


def _check(mapping: Mapping, handle: IO[bytes], name: str, size: int) -> tuple[int, list, Plan]:
    target = TARGETS[mapping.target]
    parsed = files.read_file(handle, name=name, size=size, max_bytes=_max_bytes(),
                             mapping=mapping)  # fmt: skip
    # A mapping with runs imports: its target checks and applies rows.
    check = cast(Callable[[list[dict], Any], Plan], target.check)
    plan = check(parsed.rows, mapping) if parsed.rows else Plan()
    problems = parsed.problems + plan.problems
    problems.sort(key=lambda p: (int("".join(c for c in p.cell if c.isdigit()) or 0), p.cell))
    return parsed.read, problems, plan


@transaction.atomic
def import_check(*, actor: User, mapping: Mapping, handle: IO[bytes], name: str,
                 size: int) -> ImportResult:  # fmt: skip
    """Dry run: read the file through the mapping and list every problem with its cell and what
    would be created or updated. Keeps the file for the apply; writes no record of the target."""
    target = TARGETS.get(mapping.target)
    if target is None or target.check is None or mapping.direction != Mapping.Direction.IMPORT:
        raise ValidationError(_("This mapping does not import."))
    permissions.require(actor, target.permission)
    handle.seek(0)
    with uploads.on_field("file"):
        rows, problems, plan = _check(mapping, handle, name, size)
    handle.seek(0)
    content = handle.read()
    run = Run(mapping=mapping, original_name=name[:200], rows=rows, created_by=actor,
              problems=[p.as_dict() for p in problems], summary=plan.summary())  # fmt: skip
    kind = uploads.sniff(io.BytesIO(content), text=True) or "xlsx"
    run.file.save(uploads.stored_name(kind), ContentFile(content), save=False)
    run.save()
    audit_record(actor=actor, event=events.IMPORT_CHECK, target=run,
                 after={"mapping": mapping.code, "version": mapping.version, "rows": rows,
                        "problems": len(problems)})  # fmt: skip
    return ImportResult(run, rows, problems, plan)


@marks_failure(Run, "run")
@transaction.atomic
def import_apply(*, actor: User, run: Run) -> ImportResult:
    """All or nothing: the file is checked again (the portal may have changed since the dry
    run); with any blocking problem, or an error at any row, nothing is stored and the run is
    marked failed with the reason."""
    run = Run.objects.select_for_update().select_related("mapping").get(pk=run.pk)
    mapping = run.mapping
    target = TARGETS[mapping.target]
    permissions.require(actor, "exchange.run.apply", run)
    if run.status == Run.Status.APPLIED:
        raise ValidationError(_("This file has already been imported."), code="applied")
    with run.file.open("rb") as handle:
        rows, problems, plan = _check(mapping, handle, run.original_name, run.file.size)
    refused = blocking(problems)
    if refused:
        raise ValidationError(
            [f"{p.where}{formats.colon()}{p.message}" for p in refused[:50]], code="problems"
        )
    summary = cast(Callable[[Plan, Any], dict], target.apply)(plan, actor)
    engine.apply(
        RUN, actor=actor, obj=run, action="apply",
        changes={"summary": summary, "problems": [p.as_dict() for p in problems]},
        payload={"mapping": mapping.code, "version": mapping.version, "target": mapping.target},
    )  # fmt: skip
    return ImportResult(run, rows, problems, plan)


def _as_json(params: dict) -> dict:
    """Parameters as the run records them: a form's dates become ISO text."""
    return json.loads(json.dumps(params, cls=DjangoJSONEncoder))


@transaction.atomic
def export(*, actor: User, mapping: Mapping, params: dict | None = None,
           fmt: str = "xlsx") -> tuple[bytes, str, int]:  # fmt: skip
    """The rows of the mapping's target written through it: (content, file name, rows)."""
    target = TARGETS.get(mapping.target)
    if target is None or target.rows is None:
        raise ValidationError(_("This mapping does not export."))
    permissions.require(actor, target.permission)
    rows = target.rows(actor, params or {})
    stamp = timezone.localdate().strftime("%Y%m%d")
    if fmt == "csv":
        buffer = io.StringIO()
        count = files.write_csv(rows, mapping=mapping, handle=buffer)
        content = buffer.getvalue().encode("utf-8-sig")
    else:
        binary = io.BytesIO()
        count = files.write_xlsx(rows, mapping=mapping, handle=binary)
        content = binary.getvalue()
        fmt = "xlsx"
    Run.objects.create(mapping=mapping, rows=count, created_by=actor,
                       summary={"exported": count, "params": _as_json(params or {})})  # fmt: skip
    audit_record(
        actor=actor,
        event=events.EXPORT,
        target=mapping,
        after={"mapping": mapping.code, "version": mapping.version, "rows": count},
    )
    return content, f"{mapping.code}-{stamp}.{fmt}", count
