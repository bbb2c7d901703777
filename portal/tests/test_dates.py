"""Dates as people write them in a workbook (portal.dates.read_date), and the message that gives
an example the reader accepts, in the page's own way of writing dates (issue 18)."""

from datetime import date, datetime

import pytest
from django.utils import translation

from portal.dates import not_a_date, read_date

MARCH_5 = date(2024, 3, 5)


@pytest.mark.parametrize(
    "written",
    ["2024-03-05", "2024-3-5", "2024/3/5", "2024.3.5", "2024年3月5日", "2024 年 3 月 5 日",
     "20240305", "5 March 2024", "5 Mar 2024", datetime(2024, 3, 5, 9, 30),  # noqa: DTZ001 (an Excel cell: naive)
     MARCH_5],
)  # fmt: skip
def test_every_unambiguous_way_of_writing_a_date_is_read(written):
    assert read_date(written) == MARCH_5


@pytest.mark.parametrize("written", ["3/5/2024", "2024-3/5", "2024-02-30", "2024年3月", "明天"])
def test_an_ambiguous_or_impossible_date_is_refused(written):
    with pytest.raises(ValueError):
        read_date(written)


def test_an_empty_cell_is_no_date():
    assert read_date(None) is None and read_date("  ") is None


def test_the_message_gives_the_example_as_the_page_writes_dates():
    with translation.override("zh-hans"):
        assert "2024年3月5日" in not_a_date("2024-13-01")
    with translation.override("en"):
        message = not_a_date("2024-13-01")
        assert "5 March 2024" in message and read_date("5 March 2024") == MARCH_5
