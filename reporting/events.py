"""The reporting app's event names (returns and their life cycle, setup, exports).

Constants, never strings at the call site: see portal/eventbus.py.
"""

DEMO_REPORTING = "demo.reporting"
ELEMENT_SAVE = "reporting.element.save"
EXPORT_DOWNLOAD = "reporting.export.download"
EXPORT_REQUEST = "reporting.export.request"
REMINDER_DUE_SOON = "reporting.reminder.due_soon"
REMINDER_OVERDUE = "reporting.reminder.overdue"
RETURN_APPROVE = "reporting.return.approve"
RETURN_AUTO_APPROVE = "reporting.return.auto_approve"
RETURN_CORRECT = "reporting.return.correct"
RETURN_EXPORT = "reporting.return.export"
RETURN_OPEN = "reporting.return.open"
RETURN_SEND_BACK = "reporting.return.send_back"
RETURN_SUBMIT = "reporting.return.submit"
RETURN_TEMPLATE = "reporting.return.template"
RULE_SAVE = "reporting.rule.save"
TARGET_SAVE = "reporting.target.save"
UPLOAD_CHECK = "reporting.upload.check"
UPLOAD_DOWNLOAD = "reporting.upload.download"
VALUES_STORE = "reporting.values.store"

REMINDERS = {"due_soon": REMINDER_DUE_SOON, "overdue": REMINDER_OVERDUE}
