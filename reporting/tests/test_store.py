"""Storing a return's figures: new cells inserted, changed cells rewritten in place by one
statement (each row its own value and comment), the rest untouched."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reporting import services
from reporting.models import DataValue
from reporting.tests.helpers import store_all
from reporting.tests.workbooks import all_figures
from reporting.validation import Entry

pytestmark = pytest.mark.django_db


def test_changed_figures_are_rewritten_in_place_and_the_rest_left_alone(ankang, ret):
    store_all(ankang, ret)
    rows = {v.element.code: v for v in DataValue.objects.filter(region=ret.region)}
    comment = "含“引号”和 'quotes'; 注销到期商标 -- \\N"
    entries = {
        "VALID_INVENTION": Entry("VALID_INVENTION", Decimal(360), cell="F6"),
        "TRANSFER_AMOUNT": Entry("TRANSFER_AMOUNT", Decimal("1234.5678"), comment, cell="F10"),
    }
    with CaptureQueriesContext(connection) as queries:
        result = services.return_values_store(actor=ankang, stat_return=ret, entries=entries)
    assert [c.code for c in result.changes] == ["VALID_INVENTION", "TRANSFER_AMOUNT"]
    table = DataValue._meta.db_table
    updates = [q for q in queries.captured_queries if f'UPDATE "{table}"' in q["sql"]]
    assert len(updates) == 1  # both rows in one statement
    after = {v.element.code: v for v in DataValue.objects.filter(region=ret.region)}
    assert set(after) == set(rows) == set(all_figures(ret.form))
    for code, row in after.items():
        assert row.pk == rows[code].pk  # rewritten in place, not replaced
        if code not in entries:
            assert (row.value, row.comment, row.updated_at) == (
                rows[code].value,
                rows[code].comment,
                rows[code].updated_at,
            )
    invention, amount = after["VALID_INVENTION"], after["TRANSFER_AMOUNT"]
    assert (invention.value, invention.comment) == (Decimal(360), "")
    assert (amount.value, amount.comment) == (Decimal("1234.5678"), comment)
    for row in (invention, amount):
        assert row.stat_return_id == ret.pk and row.updated_by == ankang
        assert row.updated_at > rows[row.element.code].updated_at
