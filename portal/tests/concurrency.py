"""Running services at the same moment from two threads, each with its own database
connection, for the PostgreSQL concurrency tests (`postgres` marker, transactional database).

`reseed()` puts back what the migrations seed (regions, categories, policies, statistics
set-up): a transactional test starts from the database the previous one flushed. (Not
serialized_rollback: reloading it clashes with the content types the flush recreates.)

`together(a, b)` starts the calls behind a threading.Barrier and returns what each returned or
raised. `slowed(monkeypatch, module, name)` makes a function pause after it returns (or before
it runs), so two transactions reliably overlap: without the row lock both would read the same
state there.
"""

import threading
import time
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db import connection
from django.utils import translation

PAUSE = 0.5


@dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def together(*calls, timeout: float = 60) -> list[Outcome]:
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]
    language = translation.get_language()  # the active language is per thread

    def run(index: int, call) -> None:
        try:
            translation.activate(language)
            barrier.wait(timeout)
            outcomes[index].value = call()
        except BaseException as error:  # reported to the test
            outcomes[index].error = error
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a call is still running"
    return outcomes


def slowed(monkeypatch, owner, name: str, seconds: float = PAUSE, *, before=False) -> None:
    """Pause after `owner.name` returns (or, with `before`, before it runs)."""
    original = getattr(owner, name)

    @wraps(original)
    def slow(*args, **kwargs):
        if before:
            time.sleep(seconds)
        result = original(*args, **kwargs)
        if not before:
            time.sleep(seconds)
        return result

    monkeypatch.setattr(owner, name, slow)


def reseed() -> None:
    from incentives.models import Policy
    from incentives.seeds import seed_policies
    from portal.models import Region, RegionCodeAlias
    from portal.seeds import seed_regions
    from projects.seeds import seed as seed_categories
    from reporting.models import DataElement, Indicator, ReturnForm, Target, ValidationRule
    from reporting.seeds import seed_reporting

    seed_regions(Region, RegionCodeAlias)
    seed_categories()
    seed_policies(Policy, Region)
    seed_reporting(DataElement, ReturnForm, ValidationRule, Indicator, Target, Region)
