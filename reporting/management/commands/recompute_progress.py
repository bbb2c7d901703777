"""Recompute indicator values and target progress by hand (the nightly task does the same)."""

from django.core.management.base import BaseCommand, CommandError

from portal.models import Region
from portal.periods import Quarter
from reporting import compute


class Command(BaseCommand):
    help = "Recompute indicator values and progress snapshots (all, or one region from a period)."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="region code, e.g. 610900 (default: all regions)")
        parser.add_argument("--since", help="first period to rewrite, e.g. 2025Q1 (default: all)")

    def handle(self, *args, region=None, since=None, **options):
        region_ids = None
        if region:
            found = Region.objects.filter(code=region).first()
            if found is None:
                raise CommandError(f"No region with the code {region}.")
            region_ids = [found.pk]
        if since:
            since = str(Quarter.parse(since))
        result = compute.recompute(region_ids=region_ids, since=since)
        self.stdout.write(
            f"{result.values} indicator values and {result.snapshots} progress snapshots written "
            f"for {len(result.periods)} periods."
        )
