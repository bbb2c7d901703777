"""Every write of the reporting app. Callers use `services.<name>`."""

from reporting.services.operations import export_request, export_run, reminders_send
from reporting.services.returns import (
    TRANSITIONS,
    Change,
    CheckResult,
    check,
    current_values,
    form_elements,
    return_approve,
    return_correct,
    return_open,
    return_send_back,
    return_submit,
    return_upload_apply,
    return_upload_check,
    return_values_store,
)
from reporting.services.setup import element_save, rule_save, target_data, target_save

__all__ = [
    "TRANSITIONS",
    "Change",
    "CheckResult",
    "check",
    "current_values",
    "element_save",
    "export_request",
    "export_run",
    "form_elements",
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
