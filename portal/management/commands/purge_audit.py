"""Archive and delete audit entries older than the retention period."""

from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal import audit


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"--before: {text!r} is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = (
        "Write the audit entries older than --before to an .xlsx archive, then delete them and "
        "record a checkpoint the chain verification starts from. Dates younger than "
        "AUDIT_RETENTION_DAYS (at least 180 days) are refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", required=True, type=_date, help="YYYY-MM-DD, exclusive")
        parser.add_argument(
            "--archive",
            type=Path,
            help="archive file or directory (default: $VAR_DIR/audit-archive/)",
        )

    def handle(self, *args, before: date, archive: Path | None, **options) -> None:
        try:
            checkpoint = audit.purge(before=before, archive=archive)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Purged {checkpoint.rows} audit entries up to entry {checkpoint.last_id}; "
                f"archive {checkpoint.archive} (SHA-256 {checkpoint.archive_sha256})."
            )
        )
