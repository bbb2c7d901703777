"""Pages of the projects app. Thin: parse input, call a selector or a service, render.

urls.py uses the names below (`views.application_edit`); the modules behind them follow the life
cycle, as projects/services/ does: categories → calls → declaration → review → execution.
"""

from projects.views.calls import call_create, call_detail, call_edit, call_list
from projects.views.categories import category_detail, category_edit, category_list
from projects.views.common import SPREAD_WARNING
from projects.views.declaration import (
    application_detail,
    application_edit,
    application_list,
    application_print,
    application_start,
    attachment_delete,
    attachment_download,
    attachment_upload,
)
from projects.views.execution import acceptance_request, overdue_list, progress_report
from projects.views.review import (
    ACTIONS,
    application_act,
    application_assign,
    assignment_detail,
    assignment_list,
    assignment_respond,
    ranking,
    ranking_export,
    score_reopen,
)

__all__ = [
    "ACTIONS",
    "SPREAD_WARNING",
    "acceptance_request",
    "application_act",
    "application_assign",
    "application_detail",
    "application_edit",
    "application_list",
    "application_print",
    "application_start",
    "assignment_detail",
    "assignment_list",
    "assignment_respond",
    "attachment_delete",
    "attachment_download",
    "attachment_upload",
    "call_create",
    "call_detail",
    "call_edit",
    "call_list",
    "category_detail",
    "category_edit",
    "category_list",
    "overdue_list",
    "progress_report",
    "ranking",
    "ranking_export",
    "score_reopen",
]
