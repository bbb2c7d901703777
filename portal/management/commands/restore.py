"""Restore a backup made by `backup` (`make restore FILE=...`): see portal/backups.py.

It replaces the whole database, so it asks first unless told --yes (`CONFIRM=yes` in make).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal import backups


class Command(BaseCommand):
    # A backup or a restore must work even when the code has a problem the checks report.
    requires_system_checks = []
    help = (
        "Replace the database (pg_restore --clean --if-exists --no-owner on PostgreSQL) and "
        "the uploaded files with a backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a portal-<timestamp>.dump or .sqlite3")
        parser.add_argument("--database-url", default="", help="restore into this database instead")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--no-media", action="store_true", help="leave the uploaded files as they are"
        )

    def handle(self, *args, file, database_url="", yes=False, no_media=False, **options):
        if not file.is_file():
            raise CommandError(f"No backup file at {file}.")
        database = backups.Database.current(database_url)
        if not yes:
            where = f"{database.name} on {database.host}" if database.host else database.name
            self.stdout.write(f"This replaces every table of the database {where} with {file}.")
            try:
                answer = input("Type yes to go on: ")
            except EOFError:
                answer = ""
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing restored.")
        try:
            backups.restore(file, url=database_url, media=not no_media)
        except backups.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Restored {file}."))
