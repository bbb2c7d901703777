"""Demo organisations, one account per role and demo data of every app, for a newcomer's first run.

Each app builds its own part in its demo.py, called here in order: the organisations and accounts
(portal/demo.py), the projects (an open call with applications in every state, and last year's
call with its projects: projects/demo.py), the patent pool (about 3,000 patents, the demo
enterprise's needs and suggestions, conversion events: patents/demo.py), the incentive budgets and
claims (incentives/demo.py), and the statistics (reporting/demo.py).

Everything is dated from the day of the load, read once at its start: this year's call is open
on it, the statistics' round in progress is its last complete quarter, this year's budgets and
claims are its year's, and the latest patent conversions fall in the weeks before it. Loaded
twice on one day it gives the same data (its randomness is seeded).

Idempotent: existing rows (matched by credit code and user name; projects as projects/demo.py
says) are left as they are, so a second run adds nothing twice. Refuses to run with DEBUG off
unless told this is not production: demo accounts share a known password and must never exist
in production.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone, translation

from exchange.models import Mapping
from exchange.seeds import seed_mappings
from incentives import demo as incentives_demo
from incentives.models import Policy
from incentives.seeds import seed_policies
from patents import demo as patents_demo
from portal import demo as portal_demo
from portal import services
from portal.models import Region, Role
from projects import demo as projects_demo
from projects.models import Application
from reporting import demo as reporting_demo


class Command(BaseCommand):
    help = "Load demo organisations, demo accounts and demo projects (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--not-production",
            action="store_true",
            help="Allow loading with DEBUG off (tests, staging). Never in production.",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["not_production"]:
            raise CommandError(
                "Demo accounts share a known password. Run with DEBUG=1, or pass "
                "--not-production on a machine that is not production."
            )
        # The demo's transitions notify their (invented) recipients: inbox rows, no e-mail.
        with services.emails_suppressed():
            organisations, regions, created = self.load()
        self.stdout.write(f"Demo data: {created} rows created.")
        self.stdout.write(f"Demo logins (password for all: {settings.DEMO_PASSWORD}):")
        accounts = portal_demo.USERS + portal_demo.MORE_USERS
        for username, name, role, org_key, region_code in accounts:
            scope = (
                organisations[org_key].name
                if org_key
                else (regions[region_code].name if region_code else "")
            )
            self.stdout.write(f"  {username:<11} {Role(role).label!s:<10} {name} {scope}")
        self.stdout.write("Demo applications by status:")
        for status, count in projects_demo.status_counts().items():
            label = Application.Status(status).label
            self.stdout.write(f"  {status:<21} {count:>3}  {label}")

    @transaction.atomic
    def load(self):
        today = timezone.localdate()  # one day for the whole load, even one across midnight
        organisations, regions, created = portal_demo.load()
        created += projects_demo.load(organisations=organisations, today=today)
        # Before the statistics: their first progress computation counts the pool.
        created += patents_demo.load(organisations=organisations, today=today)
        # Policies are seeded by migration; re-applied here after a test flush. Before the
        # statistics too: their progress computation counts the incentive payments.
        created += seed_policies(Policy, Region)
        created += seed_mappings(Mapping)
        # Claims keep their working as computed, in the portal's language.
        with translation.override(settings.LANGUAGE_CODE):
            created += incentives_demo.load(organisations=organisations, today=today)
        created += reporting_demo.load(today=today)
        return organisations, regions, created
