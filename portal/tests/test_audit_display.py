"""The audit log as people read it (issue 18): events by their label, changes field by field in
the pages' own forms, the recorded codes only inside <code>."""

import pytest
from django.urls import reverse
from django.utils import translation

from portal import audit_display, eventbus, formats
from portal.factories import OrganisationFactory, UserFactory
from portal.models import AuditEntry, Role
from portal.services import audit_record
from portal.workflow import PORTAL_LABEL
from tests import conventions

pytestmark = pytest.mark.django_db


def test_every_declared_event_has_a_label():
    missing = sorted(eventbus.declared() - set(audit_display.EVENT_LABELS))
    assert missing == [], "give these events a label in portal/audit_display.py"


def test_a_change_reads_field_by_field():
    organisation = OrganisationFactory(name="西安芯材有限公司")
    with translation.override("zh-hans"):
        entry = audit_record(
            actor=None,
            event="organisation.reject",
            target=organisation,
            before={"status": "pending", "verified_at": None},
            after={"status": "rejected", "verified_at": "2026-12-07 22:03:46.677693+00:00"},
            reason="通过excel录入",
        )
        row = audit_display.row(AuditEntry.objects.get(pk=entry.pk))
    assert row.event == "注册不予通过" or row.event == "Registration refused"
    changes = {change.key: change for change in row.changes}
    status, verified = changes["status"], changes["verified_at"]
    assert status.label and status.before.text != "pending" and not status.before.code
    assert verified.before.text == "—"
    assert verified.after.text == "2026年12月8日 06:03"
    assert row.actor == "—"


def test_recorded_labels_and_machine_values_are_readable():
    with translation.override("zh-hans"):
        assert formats.recorded("西安市 2025Q2 统计表") == "西安市 2025年第二季度 统计表"
        assert formats.recorded("名单 2026-12-07 22:03") == "名单 2026年12月8日 06:03"
        assert formats.recorded("安康市2025年第一季度统计表") == "安康市2025年第一季度统计表"
    with translation.override("en"):
        title = formats.recorded("安康市2025年第一季度统计表：已提交")
        assert title == "安康市 Q1 2025 统计表：已提交"
        assert formats.recorded("截至2026年12月8日") == "截至 8 December 2026"
    with translation.override("zh-hans"):
        assert audit_display.value(None, "mapping", "zjtx-provincial").code
        assert audit_display.value(None, "amount", "500000.00").text == "500,000.00"
        assert audit_display.value(None, "rows", 12345).text == "12,345"
        assert audit_display.value(None, "region", "610900").text == "610900"  # a code
        assert audit_display.value(None, "x", True).text == "是"


def test_the_audit_page_follows_the_conventions(client):
    auditor = UserFactory(role=Role.AUDIT_ADMIN)
    organisation = OrganisationFactory()
    audit_record(actor=None, actor_label=PORTAL_LABEL, event="user.disabled_inactive")
    audit_record(
        actor=auditor,
        event="reporting.values.store",
        target=organisation,
        before={"VALID_INVENTION": None},
        after={"VALID_INVENTION": "352", "submitted_at": "2026-12-07 22:03:46+00:00"},
    )
    audit_record(actor=auditor, event="no.longer.declared")
    client.force_login(auditor)
    for language in ("zh-hans", "en"):
        client.cookies["django_language"] = language
        with translation.override(None):  # the request's language stays the request's
            page = client.get(reverse("portal:audit_list")).content.decode()
        assert conventions.page_problems(page, language) == [], language
        assert "<code>VALID_INVENTION</code>" in page  # a code without a label stays findable
        assert "<code>no.longer.declared</code>" in page
