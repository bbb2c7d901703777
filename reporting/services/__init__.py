"""Every write of the reporting app. Callers use `services.<name>`."""

from reporting.services.operations import export_request, export_run, reminders_send
from reporting.services.returns import (
    return_approve,
    return_correct,
    return_open,
    return_send_back,
    return_submit,
)
from reporting.services.setup import element_save, rule_save, target_data, target_save
from reporting.services.values import (
    Change,
    CheckResult,
    check,
    return_upload_apply,
    return_upload_check,
    return_values_store,
)

__all__ = [
    "Change",
    "CheckResult",
    "check",
    "element_save",
    "export_request",
    "export_run",
    "reminders_send",
    "return_approve",
    "return_correct",
    "return_open",
    "return_send_back",
    "return_submit",
    "return_upload_apply",
    "return_upload_check",
    "return_values_store",
    "rule_save",
    "target_data",
    "target_save",
]
