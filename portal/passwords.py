"""The password policy: complexity, no reuse, expiry (GB/T 22239-2019 8.1.4.1 a).

Registered in AUTH_PASSWORD_VALIDATORS next to Django's own (minimum length, similarity to the
user's attributes, common passwords), so every form that sets a password applies all of them:
registration, account creation, password change and the administrators' reset.
`PasswordHistoryValidator.password_changed` is Django's hook called after a password is saved;
it keeps the history and the date the password was set, whichever path set it.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.models import PasswordHistory, User

CHARACTER_CLASSES = (
    ("upper", lambda c: c.isupper()),
    ("lower", lambda c: c.islower()),
    ("digit", lambda c: c.isdigit()),
    ("symbol", lambda c: not c.isalnum() and not c.isspace()),
)


class CharacterClassesValidator:
    """At least `min_classes` of: upper-case letters, lower-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        present = sum(1 for _name, test in CHARACTER_CLASSES if any(map(test, password)))
        if present < self.min_classes:
            raise ValidationError(self.message(), code="password_too_simple")

    def message(self) -> str:
        return _(
            "Use at least %(count)d of these four: upper-case letters, lower-case letters, "
            "digits and symbols."
        ) % {"count": self.min_classes}

    def get_help_text(self) -> str:
        return self.message()


class NotUsernameValidator:
    """Not the user name, forwards or backwards, nor a password that contains it.

    Django's UserAttributeSimilarityValidator catches passwords close to the name; this one also
    catches a long password built around it ("Zhangsan@2025").
    """

    min_contained = 4

    def validate(self, password: str, user: Any = None) -> None:
        username = (getattr(user, "get_username", lambda: "")() or "").lower()
        if not username:
            return
        lowered = password.lower()
        contained = len(username) >= self.min_contained and (
            username in lowered or username[::-1] in lowered
        )
        if lowered in {username, username[::-1]} or contained:
            raise ValidationError(
                _("The password must not contain your user name."), code="password_has_username"
            )

    def get_help_text(self) -> str:
        return _("Your password must not contain your user name.")


class PasswordHistoryValidator:
    """Not one of the user's last `history` passwords (the current one included)."""

    def __init__(self, history: int = 5):
        self.history = history

    def validate(self, password: str, user: Any = None) -> None:
        if self.history <= 0 or user is None or user.pk is None:
            return
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[
                : self.history
            ]
        )
        if user.password and user.password not in hashes:
            hashes.append(user.password)  # accounts older than the history table
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(self.message(), code="password_reused")

    def message(self) -> str:
        return ngettext(
            "You cannot reuse your current password.",
            "You cannot reuse any of your last %(count)d passwords.",
            self.history,
        ) % {"count": self.history}

    def get_help_text(self) -> str:
        return self.message()

    def password_changed(self, password: str, user: Any = None) -> None:
        """Django calls this after saving a new password: keep its hash, stamp the date."""
        if user is None or user.pk is None:
            return
        now = timezone.now()
        PasswordHistory.objects.create(user_id=user.pk, password=user.password, created_at=now)
        keep = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[
            : max(self.history, 1)
        ]
        PasswordHistory.objects.filter(user_id=user.pk).exclude(pk__in=list(keep)).delete()
        User.objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now


def password_expired(user: Any) -> bool:
    """Must this user change the password before doing anything else?

    Yes when it was set by an administrator (no date) or is older than PASSWORD_MAX_AGE_DAYS
    (0 turns expiry off).
    """
    if user is None or not user.is_authenticated:
        return False
    changed_at = user.password_changed_at
    if changed_at is None:
        return True
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    return bool(max_age) and changed_at + timedelta(days=max_age) <= timezone.now()
