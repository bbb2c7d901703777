"""Celery entry points of the portal core: thin, idempotent, ids in, services do the work."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import accounts, audit, events, services
from portal.models import AuditEntry, Notification, Role, User


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail notifications not yet e-mailed. Running it twice sends each mail once."""
    sent = 0
    for pk in notification_ids:
        with transaction.atomic():
            note = (
                Notification.objects.select_for_update()
                .select_related("recipient")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if note is None or not note.recipient.email:
                continue
            body = note.body
            if note.url:
                body = f"{body}\n\n{settings.PORTAL_BASE_URL}{note.url}".strip()
            send_mail(note.title, body, None, [note.recipient.email])
            note.emailed_at = timezone.now()
            note.save(update_fields=["emailed_at"])
            sent += 1
    return sent


@shared_task
def disable_inactive_accounts() -> int:
    """Daily: disable accounts unused for ACCOUNT_INACTIVE_DAYS. Running it twice disables
    each account once (a disabled account is no longer a candidate)."""
    return len(accounts.users_disable_inactive())


@shared_task
def prune_user_sessions() -> int:
    """Daily: drop the sessions past their absolute lifetime and their index rows."""
    return accounts.sessions_prune()


@shared_task
def verify_audit_chain() -> bool:
    """Daily: check the audit log's hash chain (portal/audit.py). A break is recorded as an audit
    row of its own (outcome failure) and sent to every audit administrator's inbox and e-mail.
    Reading changes nothing, so a rerun only repeats the alert while the chain stays broken."""
    result = audit.verify()
    problem = result.problem
    if problem is None:  # result.ok
        return True
    with transaction.atomic():
        services.audit_record(
            actor=None,
            actor_label="verify_audit_chain",
            event=events.AUDIT_CHAIN_BROKEN,
            outcome=AuditEntry.Outcome.FAILURE,
            reason=f"{problem.kind}: {problem.message}",
        )
        services.notify(
            event=events.AUDIT_CHAIN_BROKEN,
            recipients=User.objects.filter(role=Role.AUDIT_ADMIN, is_active=True),
            title=_("The audit log has been tampered with"),
            body=_(
                "The nightly check of the audit log's hash chain found a broken link: "
                "%(problem)s Run manage.py verify_audit_chain and compare with the backups."
            )
            % {"problem": problem.message},
            url=reverse("portal:audit_list"),
        )
    return False
