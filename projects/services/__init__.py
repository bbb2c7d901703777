"""Writes of the projects app: categories, calls, applications, review, scoring, execution.

Each function runs in one transaction, checks the business rule (raising ValidationError with a
message the user can act on), records the audit entry and returns the object. Status changes go
through workflow.apply(). Callers use the names below (`services.application_submit`); the
modules behind them follow the life cycle: categories → calls → declaration → review → execution.
"""

from projects.services.calls import LotInput, call_create, call_update
from projects.services.categories import CATEGORY_FIELDS, category_spec, category_update
from projects.services.common import (
    MIN_SCORES,
    PROGRESS_INTERVAL_MONTHS,
    REVISION_DAYS,
)
from projects.services.declaration import (
    APPLICATION_FIELDS,
    NARRATIVE_SECTIONS,
    Problem,
    application_check,
    application_create,
    application_submit,
    application_update,
    attachment_add,
    attachment_delete,
)
from projects.services.execution import (
    acceptance_decide,
    expert_profile_set,
    progress_report_submit,
)
from projects.services.review import (
    application_approve,
    application_assign,
    application_pass,
    application_reject,
    application_return,
    assignment_accept,
    assignment_decline,
    conflicted_organisation_ids,
    experts_propose,
    score_reopen,
    score_submit,
)

__all__ = [
    "APPLICATION_FIELDS",
    "CATEGORY_FIELDS",
    "MIN_SCORES",
    "NARRATIVE_SECTIONS",
    "PROGRESS_INTERVAL_MONTHS",
    "REVISION_DAYS",
    "LotInput",
    "Problem",
    "acceptance_decide",
    "application_approve",
    "application_assign",
    "application_check",
    "application_create",
    "application_pass",
    "application_reject",
    "application_return",
    "application_submit",
    "application_update",
    "assignment_accept",
    "assignment_decline",
    "attachment_add",
    "attachment_delete",
    "call_create",
    "call_update",
    "category_spec",
    "category_update",
    "conflicted_organisation_ids",
    "expert_profile_set",
    "experts_propose",
    "progress_report_submit",
    "score_reopen",
    "score_submit",
]
