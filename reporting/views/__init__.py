"""Pages of the reporting app. Thin: parse input, call a selector or a service, render."""

from reporting.views.dashboards import (
    completeness,
    dashboard,
    dashboard_export,
    export_detail,
    export_download,
)
from reporting.views.returns import (
    return_action,
    return_detail,
    return_edit,
    return_export,
    return_history,
    return_list,
    return_open,
    return_template,
    return_upload,
    upload_apply,
    upload_download,
)
from reporting.views.setup import (
    element_edit,
    rule_edit,
    setup,
    target_edit,
    target_list,
)

__all__ = [
    "completeness",
    "dashboard",
    "dashboard_export",
    "element_edit",
    "export_detail",
    "export_download",
    "return_action",
    "return_detail",
    "return_edit",
    "return_export",
    "return_history",
    "return_list",
    "return_open",
    "return_template",
    "return_upload",
    "rule_edit",
    "setup",
    "target_edit",
    "target_list",
    "upload_apply",
    "upload_download",
]
