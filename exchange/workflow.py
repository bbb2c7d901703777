"""The life cycle of an exchange import run (checked → applied | failed), for the workflow
engine (portal/workflow.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from exchange import events
from exchange.models import Run
from portal.imports import import_workflow

RUN = import_workflow(
    name="exchange.run",
    model=Run,
    permission="exchange.run.apply",
    describe=lambda run: _("Exchange file %(name)s") % {"name": run.original_name},
    url=lambda run: reverse("exchange:run_list"),
    applied_event=events.IMPORT_APPLY,
    failed_event=events.IMPORT_FAIL,
)
