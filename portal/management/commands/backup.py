"""Back up the database and the uploaded files (`make backup`): see portal/backups.py."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backups


class Command(BaseCommand):
    # A backup or a restore must work even when the code has a problem the checks report.
    requires_system_checks = []
    help = (
        "Back up the database (pg_dump --format=custom on PostgreSQL, sqlite3's backup API on "
        "SQLite) and MEDIA_ROOT to VAR_DIR/backups/portal-<timestamp>.*"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir", type=Path, help="where to write (default: VAR_DIR/backups)"
        )
        parser.add_argument("--no-media", action="store_true", help="leave out the uploaded files")

    def handle(self, *args, output_dir=None, no_media=False, **options):
        try:
            written = backups.backup(directory=output_dir, media=not no_media)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        for path in written:
            self.stdout.write(str(path))
