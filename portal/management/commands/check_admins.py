"""Check the administrator accounts before (and while) running in production.

GB/T 22239-2019 8.1.4.2 (access control) asks that default accounts are removed or renamed and
their default passwords changed, and 8.1.4.1 / 8.1.10 that system, security and audit
administration are held by separate accounts. This command reports, and exits with status 1
when any of these is found:

* an active Django superuser (it would bypass the three-administrator separation; the
  portal's work needs none: create one only for a maintenance window, then disable it);
* with DEBUG off, an active account whose password is the demo password (DEMO_PASSWORD);
* a broken separation: a staff or superuser account that also holds a portal role, or two
  accounts of different administrator roles sharing an e-mail address or phone number (one
  person holding two of the three roles).

It also warns (without failing) when one of the three administrator roles has no active account.
"""

from collections import defaultdict

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from portal.models import ADMIN_ROLES, Role, User


class Command(BaseCommand):
    help = "Fail when a superuser, the demo password or a broken three-admin separation is found."

    def handle(self, *args, **options):
        problems = [*self.superusers(), *self.demo_passwords(), *self.separation()]
        for role in sorted(ADMIN_ROLES):
            if not User.objects.filter(role=role, is_active=True).exists():
                self.stdout.write(
                    self.style.WARNING(f"warning: no active account holds the role {role}")
                )
        for problem in problems:
            self.stderr.write(self.style.ERROR(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) found.", returncode=1)
        self.stdout.write(self.style.SUCCESS("Administrator accounts: no problem found."))

    def superusers(self) -> list[str]:
        return [
            f"active superuser: {user.username}"
            for user in User.objects.filter(is_superuser=True, is_active=True).order_by("username")
        ]

    def demo_passwords(self) -> list[str]:
        if settings.DEBUG:
            return []
        # One hash per account: slow on purpose (the hasher's work factor), and run rarely.
        return [
            f"active account with the demo password: {user.username}"
            for user in User.objects.filter(is_active=True).order_by("username")
            if user.has_usable_password() and user.check_password(settings.DEMO_PASSWORD)
        ]

    def separation(self) -> list[str]:
        problems = [
            f"staff or superuser account holding the role {user.role}: {user.username}"
            for user in User.objects.filter(Q(is_staff=True) | Q(is_superuser=True))
            .exclude(role="")
            .order_by("username")
        ]
        admins = User.objects.filter(role__in=ADMIN_ROLES, is_active=True).order_by("username")
        for attribute in ("email", "phone"):
            holders: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
            for user in admins:
                value = getattr(user, attribute).strip().lower()
                if value:
                    holders[value][user.role].append(user.username)
            for value, roles in sorted(holders.items()):
                if len(roles) > 1:
                    accounts = ", ".join(
                        f"{name} ({Role(role).value})"
                        for role, names in sorted(roles.items())
                        for name in names
                    )
                    problems.append(
                        f"one {attribute} ({value}) for different administrator roles: {accounts}"
                    )
        return problems
