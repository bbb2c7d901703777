"""Opening, submitting, approving, sending back and correcting statistics returns, through the
return workflow (reporting/workflow.py). Each is one atomic, permission-checked, audited
function."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import formats, permissions
from portal import workflow as engine
from portal.models import Region, Role, User
from portal.periods import Quarter
from portal.services import audit_record, notify
from reporting import events
from reporting.models import (
    ReturnForm,
    StatReturn,
)
from reporting.selectors import (
    active_rules,
    current_values,
    form_elements,
    previous_values,
    return_label,
    stored_entries,
)
from reporting.validation import blocking, check_entries, problems_error
from reporting.workflow import RETURN, agency_users, reviewers

S = StatReturn.Status


# Opening a return -----------------------------------------------------------------------------


def _check_region(form: ReturnForm, region: Region) -> None:
    if form.regions.filter(pk=region.pk).exists():
        return
    if form.counties_may_report and region.level == Region.Level.COUNTY:
        return
    raise ValidationError(
        {
            "region": _("%(region)s does not report “%(form)s”.")
            % {"region": region.name, "form": formats.nested_quotes(form.name)}
        }
    )


def _check_period(period: str, *, today: date | None = None) -> Quarter:
    quarter = Quarter.parse(period)
    today = today or timezone.localdate()
    if quarter.end >= today:
        raise ValidationError(
            {
                "period": _("%(period)s has not ended yet; its return opens on %(day)s.")
                % {"period": formats.period(quarter), "day": formats.day(quarter.next().start)}
            }
        )
    return quarter


@transaction.atomic
def return_open(*, actor: User, form: ReturnForm, region: Region, period: str) -> StatReturn:
    """The current return of (form, region, period), created as a draft when there is none."""
    permissions.require(actor, "reporting.region.report", region)
    quarter = _check_period(period)
    _check_region(form, region)
    current = StatReturn.objects.select_for_update().filter(
        form=form, region=region, period=str(quarter), is_current=True
    )
    existing = current.first()
    if existing is not None:
        return existing
    try:
        # Opened twice at once (a double click, two of the city's staff): the database lets
        # one insert through (one current return per form, region and period); the other
        # waits for it to commit, then returns that return.
        with transaction.atomic():
            stat_return = StatReturn.objects.create(
                form=form, region=region, period=str(quarter), created_by=actor
            )
    except IntegrityError:
        return current.get()
    audit_record(actor=actor, event=events.RETURN_OPEN, target=stat_return)
    return stat_return


def _locked(stat_return: StatReturn) -> StatReturn:
    return (
        StatReturn.objects.select_for_update(of=("self",))
        .select_related("form", "region")
        .get(pk=stat_return.pk)
    )


def _require_editable(actor: User, stat_return: StatReturn) -> None:
    if not stat_return.is_editable:
        raise ValidationError(
            _(
                "The return %(name)s is %(status)s and locked. An approved return is changed by "
                "opening a correction."
            )
            % {"name": return_label(stat_return), "status": stat_return.get_status_display()},
            code="locked",
        )
    permissions.require(actor, "reporting.return.edit", stat_return)


def _apply(
    *,
    actor: User,
    stat_return: StatReturn,
    action: str,
    reason: str = "",
    automatic: bool = False,
) -> StatReturn:
    changes = {}
    if RETURN.transition(action).target == S.APPROVED:
        changes["snapshot"] = _approved_values(stat_return)
    engine.apply(RETURN, actor=actor, obj=stat_return, action=action, reason=reason,
                 changes=changes, automatic=automatic)  # fmt: skip
    return stat_return


def _json(value: Decimal | None) -> str | None:
    """A figure as stored in JSON (a snapshot, a change's history): no exponent, no trailing 0."""
    return None if value is None else f"{value.normalize():f}"


def _approved_values(stat_return: StatReturn) -> dict[str, dict[str, str | None]]:
    """The values as approved, kept with the version: what dashboards count, and what stays
    readable after a correction changes the live values."""
    return {
        code: {"value": _json(v.value), "comment": v.comment}
        for code, v in current_values(stat_return).items()
    }


@transaction.atomic
def return_submit(*, actor: User, stat_return: StatReturn) -> StatReturn:
    """Submit: every figure present, no blocking problem. A form that needs no approval is
    approved at once."""
    stat_return = _locked(stat_return)
    _require_editable(actor, stat_return)
    problems = check_entries(
        elements=form_elements(stat_return.form),
        entries=stored_entries(stat_return),
        previous=previous_values(region=stat_return.region, period=stat_return.period),
        rules=active_rules(),
        require_all=True,
    )
    if blocking(problems):
        raise problems_error(blocking(problems))
    stat_return = _apply(actor=actor, stat_return=stat_return, action="submit")
    if not stat_return.form.needs_approval:
        stat_return = _apply(
            actor=actor,
            stat_return=stat_return,
            action="auto_approve",
            reason=_("The form needs no approval."),
            automatic=True,
        )
    return stat_return


@transaction.atomic
def return_approve(*, actor: User, stat_return: StatReturn) -> StatReturn:
    """Approve and lock; progress is recomputed by a worker after commit."""
    return _apply(actor=actor, stat_return=_locked(stat_return), action="approve")


@transaction.atomic
def return_send_back(*, actor: User, stat_return: StatReturn, reason: str) -> StatReturn:
    return _apply(actor=actor, stat_return=_locked(stat_return), action="send_back", reason=reason)


@transaction.atomic
def return_correct(*, actor: User, stat_return: StatReturn, reason: str) -> StatReturn:
    """Open version n + 1 of an approved return. The approved version stays readable and keeps
    feeding the dashboards until the correction is approved."""
    stat_return = _locked(stat_return)
    if stat_return.status != S.APPROVED or not stat_return.is_current:
        raise ValidationError(
            _("Only the current, approved version of a return is corrected; this one is %(s)s.")
            % {"s": stat_return.get_status_display()},
            code="invalid_transition",
        )
    permissions.require(actor, "reporting.return.correct", stat_return)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the approved figures need a correction.")})
    stat_return.is_current = False
    stat_return.save(update_fields=["is_current"])
    correction = StatReturn.objects.create(
        form=stat_return.form,
        region=stat_return.region,
        period=stat_return.period,
        version=stat_return.version + 1,
        correction_reason=reason,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        event=events.RETURN_CORRECT,
        target=correction,
        before={"version": stat_return.version},
        after={"version": correction.version},
        reason=reason,
    )
    notify(
        event=events.RETURN_CORRECT,
        recipients=reviewers() if actor.role != Role.REVIEWER else agency_users(correction.region),
        title=_("Correction opened: %(name)s") % {"name": return_label(correction)},
        body=reason,
        url=reverse("reporting:return_detail", args=[correction.pk]),
    )
    return correction
