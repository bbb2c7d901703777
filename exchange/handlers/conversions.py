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

Every event is written by the patents service (patents.services.conversion_record with
registry=True), so a registry row meets the same validation, legal refusals, duplicate detection
and audit names as one entered by hand: an event entered by hand before it was registered gets
the registration (the dry run says so, row by row) instead of a twin. Each is audited as
patents.events.CONVERSION_IMPORTED / CONVERSION_IMPORT_UPDATED, which makes the reporting
indicators fed by conversion events recompute after commit (reporting/sources.py).
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db.models import DecimalField, F
from django.utils.translation import gettext as _

from exchange.files import cell_of
from exchange.targets import Plan
from patents.models import Conversion, Patent
from patents.services import conversion_record
from patents.services.conversions import IMPORT_NOTE
from portal import dates, formats
from portal.models import Organisation
from portal.problems import WARNING, Problem
from portal.services import audit_deferred

CHUNK = 900  # ids per IN (…): under SQLite's bound-parameter limit whatever its version
REGISTRATION_MAX = cast(int, Conversion._meta.get_field("registration_number").max_length)
NAME_MAX = Conversion._meta.get_field("counterparty_name").max_length
NOTE_MAX = Conversion._meta.get_field("note").max_length
NOTE_PREFIX = IMPORT_NOTE
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


def _by_hand(kind: str, patent_ids: set[int]) -> dict[int, list[Conversion]]:
    """Events of this kind on these patents with no registration number yet: entered by hand,
    perhaps the same act a registry list now holds."""
    found: dict[int, list[Conversion]] = {}
    for chunk in _chunks(patent_ids):
        for event in Conversion.objects.filter(
            kind=kind, registration_number="", patent_id__in=chunk
        ).order_by("pk"):
            found.setdefault(event.patent_id, []).append(event)
    return found


def _entered_by_hand(candidates: list[Conversion], values: dict, figure: str) -> Conversion | None:
    """The hand-entered event a registry row repeats: same date, same counterparty (by the
    portal's organisation, else by name), same figure when both give one."""
    for event in candidates:
        if event.starts_on != values["starts_on"]:
            continue
        if values["counterparty_id"] is not None:
            same_party = event.counterparty_id == values["counterparty_id"]
        else:
            same_party = event.counterparty_name == values["counterparty_name"]
        mine, theirs = getattr(event, figure), values.get(figure)
        if same_party and (mine is None or theirs is None or mine == theirs):
            return event
    return None


def _figure_problems(layout: Layout, figure: Decimal | None, cell: str) -> list[Problem]:
    if figure is None:
        return []
    model_field = Conversion._meta.get_field(layout.figure)
    digits = cast(DecimalField, model_field)  # the figures are DecimalFields
    limit = Decimal(10) ** (digits.max_digits - digits.decimal_places)
    if figure < 0 or (layout.positive and figure == 0):
        message = (
            _("The amount must be more than zero.")
            if layout.positive
            else _("The figure cannot be negative.")
        )
        return [Problem(message, cell=cell)]
    if figure >= limit:
        amount = formats.money_with_unit(figure)
        return [Problem(_("The amount %(value)s is too large.") % {"value": amount}, cell=cell)]
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
    checker = _Checker(rows, mapping, layout, values_of, extra)
    for row in rows:
        checker.row(row)
    return checker.plan


class _Checker:
    """One dry run: the lookups made once for all rows, and the plan the rows add to."""

    def __init__(self, rows, mapping, layout: Layout, values_of: Values, extra: Extra | None):
        self.mapping, self.layout, self.values_of = mapping, layout, values_of
        self.row_extra = extra
        self.plan = Plan()
        self.patents = _patents({n for row in rows for n in row.get("patent_numbers") or []})
        codes = {row.get(layout.party_code) for row in rows} if layout.party_code else set()
        codes |= {row.get(layout.owner_code) for row in rows} if layout.owner_code else set()
        self.organisations = _organisations({c for c in codes if c})
        self.existing = _existing(layout.kind, {r["registration_number"] for r in rows
                                                if r.get("registration_number")})  # fmt: skip
        self.by_hand = _by_hand(layout.kind, {p.pk for p in self.patents.values()})
        self.seen: set[tuple[int, str]] = set()
        self.note = f"{NOTE_PREFIX}{mapping.name}"

    def cell(self, row: dict, field: str) -> str:
        return cell_of(row, self.mapping, field)

    def warn(self, message: str, cell: str, code: str = "") -> None:
        self.plan.problems.append(Problem(message, cell=cell, importance=WARNING, code=code))

    def row(self, row: dict) -> None:
        figure = row.get(self.layout.figure)
        if figure is not None:
            figure = Decimal(figure).quantize(CENT)
        problems = self.row_problems(row, figure)
        own_values, own_problems = self.values_of(row, self.mapping)
        problems += own_problems
        if problems:
            self.plan.problems += problems
            return
        pool = self.pool_of(row)
        if not pool:
            return
        party = (row.get(self.layout.party) or "").strip()
        matched, counterparty = self.counterparty(row, party)
        extra_note = ""
        if self.row_extra is not None:
            extra_problems, extra_note = self.row_extra(row, matched)
            self.plan.problems += extra_problems
        values = {
            **own_values,
            "starts_on": row["starts_on"],
            "counterparty_id": counterparty.pk if counterparty else None,
            "counterparty_name": (party or (counterparty.name if counterparty else ""))[:NAME_MAX],
        }
        for patent in pool:
            self.patent(row, patent, pool[0], values, figure, extra_note)

    def row_problems(self, row: dict, figure: Decimal | None) -> list[Problem]:
        """The row's own blocking problems: registration, patents, dates, figure."""
        registration = row.get("registration_number") or ""
        problems = []
        if not registration:
            problems.append(Problem(_("The registration number is missing."),
                                    cell=self.cell(row, "registration_number")))  # fmt: skip
        elif len(registration) > REGISTRATION_MAX:
            problems.append(Problem(
                _("The registration number is longer than %(n)d characters.")
                % {"n": REGISTRATION_MAX}, cell=self.cell(row, "registration_number"),
            ))  # fmt: skip
        if not row.get("patent_numbers"):
            problems.append(Problem(_("No patent number."), cell=self.cell(row, "patent_numbers")))
        if row.get("starts_on") is None:
            problems.append(Problem(_("The date is missing."),
                                    cell=self.cell(row, "starts_on")))  # fmt: skip
        elif row.get("ends_on") is not None and row["ends_on"] < row["starts_on"]:
            problems.append(Problem(_("The term ends before it starts."),
                                    cell=self.cell(row, "ends_on")))  # fmt: skip
        return problems + _figure_problems(self.layout, figure, self.cell(row, self.layout.figure))

    def pool_of(self, row: dict) -> list[Patent]:
        """The row's patents that are in the pool, in order; the others are skipped."""
        pool: list[Patent] = []
        for number in row["patent_numbers"]:
            patent = self.patents.get(number)
            if patent is None:
                self.plan.skipped += 1
                self.warn(_("%(number)s is not a patent of the pool: skipped.")
                          % {"number": number}, self.cell(row, "patent_numbers"),
                          "not_in_pool")  # fmt: skip
            elif patent not in pool:
                pool.append(patent)
        return pool

    def counterparty(
        self, row: dict, party: str
    ) -> tuple[Organisation | None, Organisation | None]:
        """The organisation the row's credit code matches (by code only), and the one the
        event names: an enterprise only."""
        layout = self.layout
        code = row.get(layout.party_code) if layout.party_code else None
        matched = self.organisations.get(code) if code else None
        code_cell = self.cell(row, layout.party_code) if layout.party_code else ""
        if code and matched is None:
            self.warn(_("%(code)s (%(name)s) is not an organisation of the portal: the event "
                        "names it as written.") % {"code": code, "name": party or "—"},
                      code_cell, "unknown")  # fmt: skip
        elif matched is not None and matched.kind != Organisation.Kind.ENTERPRISE:
            self.warn(_("%(code)s (%(name)s) is a %(kind)s, not an enterprise: the event names "
                        "it as written.")
                      % {"code": code, "name": matched.name,
                         "kind": matched.get_kind_display().lower()}, code_cell)  # fmt: skip
            return matched, None
        return matched, matched

    def patent(self, row: dict, patent: Patent, first: Patent, values: dict,
               figure: Decimal | None, extra_note: str) -> None:  # fmt: skip
        """What the row does to one of its pool patents: create, update, merge or nothing."""
        registration = row.get("registration_number") or ""
        identity = (patent.pk, registration)
        if identity in self.seen:
            self.warn(_("%(registration)s is listed twice for %(number)s.")
                      % {"registration": registration, "number": patent.number},
                      self.cell(row, "registration_number"))  # fmt: skip
            return
        self.seen.add(identity)
        owner_code = row.get(self.layout.owner_code) if self.layout.owner_code else None
        if owner_code and owner_code != patent.owner.credit_code:
            self.warn(_("%(code)s is not the owner of %(number)s in the pool (%(owner)s, "
                        "%(owner_code)s): recorded on the pool's patent; check the owner.")
                      % {"code": owner_code, "number": patent.number,
                         "owner": patent.owner.name, "owner_code": patent.owner.credit_code},
                      self.cell(row, self.layout.owner_code))  # fmt: skip
        figure_name = self.layout.figure
        event_values = {**values, figure_name: figure if patent is first else None}
        event_note = self.note
        if patent is not first and figure is not None:
            event_note += (
                f"；登记 {registration} 的{FIGURE_NAMES[figure_name]}记在 {first.number} 上"
            )
        event_note = (event_note + extra_note)[:NOTE_MAX]
        registered = self.existing.get(identity)
        found = registered or _entered_by_hand(
            self.by_hand.get(patent.pk, []), event_values, figure_name
        )
        if found is None:
            self.plan.created += 1
        elif registered is None:  # the registration is added to the event entered by hand
            self.warn(_("%(registration)s is the %(kind)s of %(number)s recorded by hand on "
                        "%(date)s: the registration is added to that event, not recorded twice.")
                      % {"registration": registration, "kind": found.get_kind_display().lower(),
                         "number": patent.number, "date": formats.day(found.starts_on)},
                      self.cell(row, "registration_number"), "merged")  # fmt: skip
            self.plan.updated += 1
        elif any(getattr(found, key) != value for key, value in event_values.items()):
            self.plan.updated += 1
        else:
            self.plan.unchanged += 1
            return
        self.plan.actions.append(Action(patent, registration, event_values, event_note, found))


def apply(plan: Plan, actor, layout: Layout) -> dict:
    """Write the plan (inside the run's one transaction) through the patents service
    (patents.services.conversion_record with registry=True): the same validation, legal
    refusals, duplicate detection and audit names as an event recorded by hand. The audit
    entries are appended when the run ends (portal.services.audit_deferred)."""
    parties = {
        o.pk: o
        for o in Organisation.objects.filter(
            pk__in={a.values.get("counterparty_id") for a in plan.actions} - {None}
        )
    }
    with audit_deferred():
        for action in plan.actions:
            data = {
                name: value for name, value in action.values.items() if name != "counterparty_id"
            }
            data.update(
                counterparty=parties.get(action.values.get("counterparty_id")),
                registration_number=action.registration,
                note=action.note,
            )
            try:
                conversion_record(
                    actor=actor, patent=action.patent, kind=layout.kind, data=data,
                    registry=True, existing=action.found,
                )  # fmt: skip
            except ValidationError as error:
                raise ValidationError(
                    _("%(registration)s (%(number)s): %(message)s")
                    % {"registration": action.registration, "number": action.patent.number,
                       "message": "；".join(error.messages)}
                ) from error  # fmt: skip
    return plan.summary()


def date_param(params: dict, name: str) -> date | None:
    """An optional date parameter of an export (a date, or text such as 2025-01-31 or
    2025年1月31日: portal.dates)."""
    value = params.get(name)
    try:
        return dates.read_date(value)
    except ValueError as error:
        raise ValidationError({name: dates.not_a_date(value)}) from error


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
