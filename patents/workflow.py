"""The life cycle of an uploaded patent list (checked → applied | failed), for the workflow
engine (portal/workflow.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from patents import events
from patents.models import PatentImport
from portal.imports import import_workflow

PATENT_IMPORT = import_workflow(
    name="patents.import",
    model=PatentImport,
    permission="patent.import.apply",
    describe=lambda imp: _("Patent list %(name)s") % {"name": imp.original_name},
    url=lambda imp: reverse("patents:import"),
    applied_event=events.IMPORT_APPLY,
    failed_event=events.IMPORT_FAIL,
)
