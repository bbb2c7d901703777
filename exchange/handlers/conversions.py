"""Conversion events imported from the national platforms' registration lists: what the pledge
(国家知识产权质押信息平台), technology-contract (技术合同登记) and patent-product filing
(专利密集型产品备案) targets share.

A row names one registration and one or more patents (application numbers separated by ;). Each
patent of the pool gets one `Conversion` event; a number not in the pool is a warning with its
cell and is skipped (pledges of enterprises' patents are not in the universities' pool). The
counterparty is matched by unified social credit code only: an unknown code is a warning and the
name is kept as written, never matched by name. The registration number with the patent
identifies an event, so the same list imported again changes nothing and a changed figure or date
updates the event. A registration's figure (the loan, the contract's turnover, the product's
sales) belongs to the registration as a whole: it goes on the first pool patent's event only; the
others carry none and a note naming the registration, so sums are not multiplied.

Each created or updated event is audited as "patent.conversion.import.<kind>", which makes the
reporting indicators fed by conversion events recompute after commit (reporting/sources.py).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from exchange.files import cell_of
from exchange.targets import Plan
from patents.models import Conversion, Patent
from portal.models import Organisation
from portal.problems import WARNING, Problem
from portal.services import audit_record

CHUNK = 900  # ids per IN (…): under SQLite's bound-parameter limit whatever its version
REGISTRATION_MAX = Conversion._meta.get_field("registration_number").max_length
NAME_MAX = Conversion._meta.get_field("counterparty_name").max_length
NOTE_MAX = Conversion._meta.get_field("note").max_length
NOTE_PREFIX = "导入："
CENT = Decimal("0.01")
FIGURE_NAMES = {"amount": "金额", "sales": "销售额"}


@dataclass(frozen=True)
class Layout:
    """How a target's rows become events of one kind."""

    kind: str  # Conversion.Kind
    figure: str  # "amount" or "sales": the registration's figure, on its first patent only
    party: str  # the field holding the counterparty's name
    party_code: str = ""  # the field holding its credit code ("" : named only, e.g. a bank)
    owner_code: str = ""  # the field holding the patent owner's credit code, checked
    positive: bool = False  # the figure must be more than zero (a pledge finances something)


@dataclass
class Action:
    patent: Patent
    registration: str
    values: dict[str, Any]
    note: str
    found: Conversion | None


# A target's own values of an event, with the problems of their cells (blocking the row).
Values = Callable[[dict, Any], tuple[dict[str, Any], list[Problem]]]
# A target's own checks of a row, given the organisation its credit code matched (or None):
# problems, and text added to the note.
Extra = Callable[[dict, Organisation | None], tuple[list[Problem], str]]


def _chunks(values: Iterable) -> Iterator[list]:
    values = sorted(values)
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _patents(numbers: set[str]) -> dict[str, Patent]:
    found = {}
    for chunk in _chunks(numbers):
        for patent in Patent.objects.filter(number__in=chunk).select_related("owner"):
            found[patent.number] = patent
    return found


def _organisations(codes: set[str]) -> dict[str, Organisation]:
    found = {}
    for chunk in _chunks(codes):
        for organisation in Organisation.objects.filter(credit_code__in=chunk).select_related(
            "region"
        ):
            found[organisation.credit_code] = organisation
    return found


def _existing(kind: str, registrations: set[str]) -> dict[tuple[int, str], Conversion]:
    found: dict[tuple[int, str], Conversion] = {}
    for chunk in _chunks(registrations):
        events = Conversion.objects.filter(kind=kind, registration_number__in=chunk)
        for event in events.order_by("pk"):
            found.setdefault((event.patent_id, event.registration_number), event)
    return found


def _figure_problems(layout: Layout, figure: Decimal | None, cell: str) -> list[Problem]:
    if figure is None:
        return []
    model_field = Conversion._meta.get_field(layout.figure)
    limit = Decimal(10) ** (model_field.max_digits - model_field.decimal_places)
    if figure < 0 or (layout.positive and figure == 0):
        message = (
            _("The amount must be more than zero.")
            if layout.positive
            else _("The figure cannot be negative.")
        )
        return [Problem(message, cell=cell)]
    if figure >= limit:
        return [Problem(_("%(value)s yuan is too large.") % {"value": figure}, cell=cell)]
    return []


def check(
    rows: list[dict],
    mapping,
    layout: Layout,
    values_of: Values,
    extra: Extra | None = None,
) -> Plan:
    """What importing these rows would create and update, and every problem with its cell;
    writes nothing."""
    plan = Plan()
    patents = _patents({n for row in rows for n in row.get("patent_numbers") or []})
    codes = {row.get(layout.party_code) for row in rows} if layout.party_code else set()
    codes |= {row.get(layout.owner_code) for row in rows} if layout.owner_code else set()
    organisations = _organisations({c for c in codes if c})
    existing = _existing(layout.kind, {r["registration_number"] for r in rows
                                       if r.get("registration_number")})  # fmt: skip
    seen: set[tuple[int, str]] = set()
    note = f"{NOTE_PREFIX}{mapping.name}"
    for row in rows:
        registration = row.get("registration_number") or ""
        numbers_cell = cell_of(row, mapping, "patent_numbers")
        problems = []
        if not registration:
            problems.append(Problem(_("The registration number is missing."),
                                    cell=cell_of(row, mapping, "registration_number")))  # fmt: skip
        elif len(registration) > REGISTRATION_MAX:
            problems.append(Problem(
                _("The registration number is longer than %(n)d characters.")
                % {"n": REGISTRATION_MAX}, cell=cell_of(row, mapping, "registration_number"),
            ))  # fmt: skip
        if not row.get("patent_numbers"):
            problems.append(Problem(_("No patent number."), cell=numbers_cell))
        if row.get("starts_on") is None:
            problems.append(Problem(_("The date is missing."),
                                    cell=cell_of(row, mapping, "starts_on")))  # fmt: skip
        elif row.get("ends_on") is not None and row["ends_on"] < row["starts_on"]:
            problems.append(Problem(_("The term ends before it starts."),
                                    cell=cell_of(row, mapping, "ends_on")))  # fmt: skip
        figure = row.get(layout.figure)
        if figure is not None:
            figure = Decimal(figure).quantize(CENT)
        problems += _figure_problems(layout, figure, cell_of(row, mapping, layout.figure))
        own_values, own_problems = values_of(row, mapping)
        problems += own_problems
        if problems:
            plan.problems += problems
            continue
        pool = []
        for number in row["patent_numbers"]:
            patent = patents.get(number)
            if patent is None:
                plan.skipped += 1
                plan.problems.append(Problem(
                    _("%(number)s is not a patent of the pool: skipped.") % {"number": number},
                    cell=numbers_cell, importance=WARNING, code="not_in_pool",
                ))  # fmt: skip
            elif patent not in pool:
                pool.append(patent)
        if not pool:
            continue
        # The counterparty: by credit code only.
        party = (row.get(layout.party) or "").strip()
        code = row.get(layout.party_code) if layout.party_code else None
        matched = organisations.get(code) if code else None
        counterparty = matched
        code_cell = cell_of(row, mapping, layout.party_code) if layout.party_code else ""
        if code and matched is None:
            plan.problems.append(Problem(
                _("%(code)s (%(name)s) is not an organisation of the portal: the event names it "
                  "as written.") % {"code": code, "name": party or "—"},
                cell=code_cell, importance=WARNING, code="unknown",
            ))  # fmt: skip
        elif matched is not None and matched.kind != Organisation.Kind.ENTERPRISE:
            counterparty = None
            plan.problems.append(Problem(
                _("%(code)s (%(name)s) is a %(kind)s, not an enterprise: the event names it as "
                  "written.")
                % {"code": code, "name": matched.name,
                   "kind": matched.get_kind_display().lower()},
                cell=code_cell, importance=WARNING,
            ))  # fmt: skip
        extra_note = ""
        if extra is not None:
            extra_problems, extra_note = extra(row, matched)
            plan.problems += extra_problems
        values = {
            **own_values,
            "starts_on": row["starts_on"],
            "counterparty_id": counterparty.pk if counterparty else None,
            "counterparty_name": (party or (counterparty.name if counterparty else ""))[:NAME_MAX],
        }
        owner_code = row.get(layout.owner_code) if layout.owner_code else None
        first = pool[0]
        for patent in pool:
            identity = (patent.pk, registration)
            if identity in seen:
                plan.problems.append(Problem(
                    _("%(registration)s is listed twice for %(number)s.")
                    % {"registration": registration, "number": patent.number},
                    cell=cell_of(row, mapping, "registration_number"), importance=WARNING,
                ))  # fmt: skip
                continue
            seen.add(identity)
            if owner_code and owner_code != patent.owner.credit_code:
                plan.problems.append(Problem(
                    _("%(code)s is not the owner of %(number)s in the pool (%(owner)s, "
                      "%(owner_code)s): recorded on the pool's patent; check the owner.")
                    % {"code": owner_code, "number": patent.number, "owner": patent.owner.name,
                       "owner_code": patent.owner.credit_code},
                    cell=cell_of(row, mapping, layout.owner_code), importance=WARNING,
                ))  # fmt: skip
            event_values = {**values, layout.figure: figure if patent is first else None}
            event_note = note
            if patent is not first and figure is not None:
                event_note += (
                    f"；登记 {registration} 的{FIGURE_NAMES[layout.figure]}记在 {first.number} 上"
                )
            event_note = (event_note + extra_note)[:NOTE_MAX]
            found = existing.get(identity)
            if found is None:
                plan.created += 1
            elif any(getattr(found, key) != value for key, value in event_values.items()):
                plan.updated += 1
            else:
                plan.unchanged += 1
                continue
            plan.actions.append(Action(patent, registration, event_values, event_note, found))
    return plan


def _audited(event: Conversion) -> dict[str, Any]:
    return {
        "event": event.pk,
        "registration_number": event.registration_number,
        "party": event.counterparty_name,
        "amount": str(event.amount) if event.amount is not None else None,
        "sales": str(event.sales) if event.sales is not None else None,
        "starts_on": str(event.starts_on),
        "ends_on": str(event.ends_on) if event.ends_on else None,
    }


def apply(plan: Plan, actor, layout: Layout) -> dict:
    """Write the plan (inside the run's one transaction); each event is audited, and a kind that
    converts marks its patents converted (as patents.services.conversion_record does)."""
    converting = []
    for action in plan.actions:
        if action.found is None:
            event = Conversion.objects.create(
                patent=action.patent,
                kind=layout.kind,
                registration_number=action.registration,
                note=action.note,
                recorded_by=actor,
                **action.values,
            )
            before, event_name = None, f"patent.conversion.import.{layout.kind}"
        else:
            event = action.found
            before = _audited(event)
            for name, value in action.values.items():
                setattr(event, name, value)
            updated = list(action.values)
            # A note written by hand is kept; one an import wrote follows the import.
            if not event.note or event.note.startswith(NOTE_PREFIX):
                event.note = action.note
                updated.append("note")
            event.save(update_fields=updated)
            event_name = f"patent.conversion.import.{layout.kind}.update"
        audit_record(
            actor=actor, event=event_name, target=action.patent, before=before,
            after=_audited(event),
        )  # fmt: skip
        if layout.kind in Conversion.CONVERTING and not action.patent.converted:
            converting.append(action.patent.pk)
    for chunk in _chunks(set(converting)):
        Patent.objects.filter(pk__in=chunk, converted=False).update(
            converted=True, updated_at=timezone.now()
        )
    return plan.summary()


def date_param(params: dict, name: str) -> date | None:
    """An optional date parameter of an export (a date, or text such as 2025-01-31)."""
    value = params.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as error:
        raise ValidationError(
            {name: _("“%(value)s” is not a date (write 2025-01-31).") % {"value": value}}
        ) from error


def rows(
    layout: Layout, params: dict, row_of: Callable[[Conversion], dict[str, Any]]
) -> Iterator[dict[str, Any]]:
    """The events of this kind with a registration number, one row per registration: its
    patents (the one carrying the figure first) and the figure; `row_of` gives the rest from
    that first event. Optional params: since, until (the event's date), checked here, before a
    file is opened."""
    since, until = date_param(params, "since"), date_param(params, "until")
    events = (
        Conversion.objects.filter(kind=layout.kind)
        .exclude(registration_number="")
        .select_related("patent__owner", "counterparty__region")
    )
    if since:
        events = events.filter(starts_on__gte=since)
    if until:
        events = events.filter(starts_on__lte=until)
    events = events.order_by("registration_number", F(layout.figure).desc(nulls_last=True), "pk")
    grouped = groupby(events.iterator(chunk_size=2000), key=attrgetter("registration_number"))
    return (_registration(layout, list(group), row_of) for _number, group in grouped)


def _registration(
    layout: Layout, events: list[Conversion], row_of: Callable[[Conversion], dict[str, Any]]
) -> dict[str, Any]:
    first = events[0]
    return {
        **row_of(first),
        "registration_number": first.registration_number,
        "patent_numbers": [event.patent.number for event in events],
        "starts_on": first.starts_on,
        layout.figure: getattr(first, layout.figure),
    }
