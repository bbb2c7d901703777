"""A fresh load of the demo incentives (incentives/demo.py) makes a bounded number of queries. On
a database of its own: test_demo.py's tests share one load of the demo, this one needs none."""

import io

import pytest
from django.core.management import call_command

from incentives import demo
from patents import demo as patents_demo
from projects import demo as projects_demo
from reporting import demo as reporting_demo

pytestmark = pytest.mark.django_db

# Measured: 86 rows in 746 queries on SQLite, 802 on PostgreSQL (audit, notifications and each
# claim's workflow steps included: a step locks, reads and writes its history row). A per-row
# loop gone wrong, or a query per policy per claim, would go well past this.
QUERY_BUDGET = 1000


def test_a_fresh_load_makes_a_bounded_number_of_queries(monkeypatch, django_assert_max_num_queries):
    """The e2e fixture reloads the demo before every browser test, so it must stay cheap. Bounded
    by queries, not seconds: a timed test fails on a loaded machine (speed lives in bench/)."""
    monkeypatch.setattr(projects_demo, "load", lambda **kwargs: 0)
    monkeypatch.setattr(patents_demo, "load", lambda **kwargs: 0)
    monkeypatch.setattr(reporting_demo, "load", lambda **kwargs: 0)
    monkeypatch.setattr(demo, "load", lambda **kwargs: 0)
    call_command("load_demo", "--not-production", stdout=io.StringIO())
    monkeypatch.undo()
    with django_assert_max_num_queries(QUERY_BUDGET) as captured:
        created = demo.load()
    assert created > 50
    print(f"incentives demo: {created} rows in {len(captured)} queries")
