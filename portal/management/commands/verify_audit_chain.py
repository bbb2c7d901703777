"""Check the audit log's hash chain: exit 0 when intact, 1 at the first broken link."""

from django.core.management.base import BaseCommand, CommandError

from portal import audit


class Command(BaseCommand):
    help = (
        "Walk the audit log in id order from the latest purge checkpoint, recompute each row's "
        "hash and check it chains to the row before; report the first changed, deleted or "
        "inserted row and exit non-zero."
    )

    def handle(self, *args, **options) -> None:
        result = audit.verify()
        start = (
            f"checkpoint after entry {result.start.last_id}" if result.start else "the first entry"
        )
        problem = result.problem
        if problem is not None:  # not result.ok
            raise CommandError(
                f"Audit chain BROKEN ({problem.kind}): {problem.message} "
                f"({result.checked} entries verified from {start}.)",
                returncode=1,
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} entries verified from {start}; "
                f"head entry {result.head_id or '-'}, hash {result.head_hash or '-'}."
            )
        )
