"""Import of published qualification lists (provincial 专精特新 list, national little giant
batches, listing-reserve list, high-tech enterprises).

Organisations are matched by unified social credit code only, never by name: a code no
organisation in the portal has is listed (a warning with its cell) and skipped. A matched
organisation gets the dated qualification with its source; a qualification it already has (same
kind and year) is updated, never duplicated. Eligibility for incentives reads qualifications
directly, so matched enterprises are eligible at once.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exchange.files import cell_of
from exchange.targets import Plan, Target, register
from portal.models import Organisation, Qualification
from portal.problems import WARNING, Problem
from portal.services import qualification_register

FIELDS = {
    "credit_code": gettext_lazy("unified social credit code"),
    "name": gettext_lazy("organisation name (shown, never matched on)"),
    "kind": gettext_lazy("qualification kind (or a fixed parameter)"),
    "year": gettext_lazy("year or batch"),
    "recognised_on": gettext_lazy("recognised on"),
    "valid_until": gettext_lazy("valid until"),
    "source": gettext_lazy("source (list, batch or document; or a fixed parameter)"),
}


def check(rows: list[dict], mapping) -> Plan:
    plan = Plan()
    params = mapping.params or {}
    codes = {row["credit_code"] for row in rows if row.get("credit_code")}
    organisations = {o.credit_code: o for o in Organisation.objects.filter(credit_code__in=codes)}
    existing = {
        (q.organisation_id, q.kind, q.year): q
        for q in Qualification.objects.filter(organisation__credit_code__in=codes)
    }
    seen = set()
    for row in rows:
        kind = row.get("kind") or params.get("kind")
        year = row.get("year") or params.get("year")
        source = row.get("source") or params.get("source") or mapping.name
        cell = cell_of(row, mapping, "credit_code", mapping.sheet)
        if kind not in Qualification.Kind.values:
            plan.problems.append(Problem(
                _("No qualification kind for this row (a column or the mapping's parameter)."),
                cell=cell,
            ))  # fmt: skip
            continue
        if not year:
            plan.problems.append(Problem(_("No year for this row."), cell=cell))
            continue
        organisation = organisations.get(row["credit_code"])
        if organisation is None:
            plan.skipped += 1
            plan.problems.append(Problem(
                _("%(code)s (%(name)s) is not an organisation of the portal: skipped.")
                % {"code": row["credit_code"], "name": row.get("name") or "—"},
                cell=cell, importance=WARNING, code="unknown",
            ))  # fmt: skip
            continue
        key = (organisation.pk, kind, int(year))
        if key in seen:
            plan.problems.append(Problem(
                _("%(code)s is listed twice for the same qualification and year.")
                % {"code": row["credit_code"]}, cell=cell, importance=WARNING,
            ))  # fmt: skip
            continue
        seen.add(key)
        values = {
            "recognised_on": row.get("recognised_on"),
            "valid_until": row.get("valid_until"),
            "source": str(source)[:200],
        }
        found = existing.get(key)
        if found is None:
            plan.created += 1
        elif any(getattr(found, k) != v for k, v in values.items()):
            plan.updated += 1
        else:
            plan.unchanged += 1
            continue
        plan.actions.append((organisation, kind, int(year), values, found))
    return plan


def apply(plan: Plan, actor) -> dict:
    """Each recognition through the portal's service (portal.services.qualification_register):
    the same validation and audit as everywhere, an existing one updated, never doubled."""
    for organisation, kind, year, values, _found in plan.actions:
        qualification_register(
            actor=actor, organisation=organisation, kind=kind, year=year, **values
        )
    return plan.summary()


def rows(actor, params: dict):
    """Qualifications as a list (for round trips and for checking a list against the portal)."""
    qualifications = Qualification.objects.select_related("organisation")
    if params.get("kind"):
        qualifications = qualifications.filter(kind=params["kind"])
    for q in qualifications.order_by("kind", "year", "organisation__credit_code"):
        yield {
            "credit_code": q.organisation.credit_code,
            "name": q.organisation.name,
            "kind": q.kind,
            "year": q.year,
            "recognised_on": q.recognised_on,
            "valid_until": q.valid_until,
            "source": q.source,
        }


register(
    Target(
        name="qualifications",
        label=gettext_lazy("Qualification list (专精特新, little giants, listing reserve, …)"),
        direction="import",
        fields=FIELDS,
        required=("credit_code",),
        check=check,
        apply=apply,
        rows=rows,
    )
)
