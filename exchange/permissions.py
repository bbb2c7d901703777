"""Access rules of the exchange: reviewers (the IP bureau) edit mappings and run imports and
exports; a university or institute exports its own pool's registration batch."""

from portal.models import Role, User
from portal.permissions import can, rule


@rule("exchange.mapping.manage")
def _manage_mappings(user: User, obj: None) -> bool:
    return user.role == Role.REVIEWER


@rule("exchange.run")
def _run(user: User, obj: None) -> bool:
    return user.role == Role.REVIEWER


@rule("exchange.view")
def _view(user: User, obj: None) -> bool:
    return user.role in {Role.REVIEWER, Role.LEADER}


@rule("exchange.batch")
def _export_batch(user: User, obj: None) -> bool:
    """The stock-patent registration batch: reviewers for any organisation; a verified university
    or institute for its own pool (the target narrows the rows to it)."""
    return user.role == Role.REVIEWER or can(user, "patent.pool.manage")


@rule("exchange.run.apply")
def _apply_run(user: User, run) -> bool:
    """Apply a checked import: whoever may run the mapping's target."""
    from exchange.targets import TARGETS

    target = TARGETS.get(run.mapping.target)
    return target is not None and can(user, target.permission)
