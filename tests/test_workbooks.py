"""Every workbook the portal serves is one people can print and keep (issue 18), checked by
walking the access matrix: each URL of tests/access_matrix.py that answers a workbook is read by
one user of each role that may read it, with the matrix's world (tests/access_world.py), in
Chinese and in English. Each download must have

- a Chinese file name in `filename*` (RFC 5987) and an ASCII fallback in `filename`;
- a title block (the form's name, bold, in A1);
- the print setup: A4, one page wide, landscape when wider than 8 columns, the header rows on
  every page, page numbers in the footer, the panes frozen under the header;
- cells as people read them: dates as date cells in the Chinese format, no ISO date, no period
  written 2025Q2, no internal code (VALID_INVENTION) outside a hidden column;
- the signature line under the forms that are signed (the statistics return, the spending
  statement for the finance bureau).

Exchange files are written in the format the national and provincial platforms prescribe: only
their name is held to these rules. `test_every_workbook_url_is_walked` fails for a new URL that
looks like a download until it is listed here.

WORKBOOKS_DIR=path keeps every workbook downloaded, to open and print by hand.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from portal.exporters import recorded_headers
from portal.tests.workbooks import has_signature, name_problems, workbook_problems
from tests.access_matrix import ANON, MATRIX, routes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = ("zh-hans", "en")


@dataclass(frozen=True)
class Walk:
    query: str = ""  # a query that makes the page answer its workbook
    signed: bool = False  # the form ends with the signature line
    machine: bool = False  # an exchange file: its content is the platform's format
    recorded: bool = False  # some columns hold the audit log as recorded (exempt from the rules)


WORKBOOKS = {
    "portal:audit_list": Walk(query="format=xlsx", recorded=True),
    "projects:ranking_export": Walk(),
    "patents:template": Walk(),
    "patents:export": Walk(),
    "incentives:spending_export": Walk(signed=True),
    "exchange:export": Walk(machine=True),
    "reporting:return_template": Walk(signed=True),
    "reporting:return_export": Walk(signed=True),
    "reporting:export_download": Walk(),
}
# URLs whose names look like downloads but answer no workbook.
NOT_WORKBOOKS = {
    "reporting:dashboard_export": "POST: queues the export reporting:export_download serves",
    "reporting:export_detail": "a page: the export's progress and its download link",
    "exchange:run_file": "the exchanged file as it was uploaded",
    "reporting:upload_download": "the uploaded workbook as it was uploaded",
    "projects:attachment_download": "an attachment as it was uploaded",
    "incentives:claim_file_download": "an evidence file as it was uploaded",
}
LOOKS_LIKE_A_DOWNLOAD = re.compile(r"export|template|download|\.xlsx")
ROLE = re.compile(r"[a-z]+?(?=\d|_|$)")


def _readers(case) -> list[str]:
    """One reader of each role (ent_ak and ent_xa are both applicants: ent_ak stands for both)."""
    chosen: dict[str, str] = {}
    for key in sorted(case.read - {ANON}):
        match = ROLE.match(key)
        chosen.setdefault(match.group(0) if match else key, key)
    return sorted(chosen.values())


def test_every_workbook_url_is_walked():
    looks = {
        name
        for name, route in routes().items()
        if not route.is_api and LOOKS_LIKE_A_DOWNLOAD.search(f"{name} {route.route}")
    }
    missing = sorted(looks - WORKBOOKS.keys() - NOT_WORKBOOKS.keys())
    assert not missing, f"add them to WORKBOOKS or NOT_WORKBOOKS: {', '.join(missing)}"
    assert not (WORKBOOKS.keys() | NOT_WORKBOOKS.keys()) - routes().keys()


def _keep(content: bytes, name: str, key: str, language: str) -> None:
    folder = os.environ.get("WORKBOOKS_DIR")
    if folder:
        path = Path(folder) / f"{name.replace(':', '-')}-{key}-{language}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)


@pytest.mark.parametrize("name", sorted(WORKBOOKS))
def test_every_workbook_prints_and_reads_as_people_write(name, world, clients):
    walk = WORKBOOKS[name]
    route = routes()[name]
    found: list[str] = []
    asked = 0
    for case in MATRIX[name]:
        kwargs = dict(world.kwargs[case.obj]) if case.obj else {}
        kwargs.update(case.extra)
        query = case.query or walk.query
        url = reverse(route.name, kwargs=kwargs) + (f"?{query}" if query else "")
        for key in _readers(case):
            client = clients[key]
            for language in LANGUAGES:
                client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
                response = client.get(url)
                where = f"{url} as {key} ({language})"
                assert response.status_code == 200, f"{where}: {response.status_code}"
                assert response["Content-Type"] == XLSX, where
                asked += 1
                content = (
                    b"".join(response.streaming_content) if response.streaming else response.content
                )
                _keep(content, name, key, language)
                disposition = response["Content-Disposition"]
                problems = name_problems(disposition)
                if language != "zh-hans":  # the name follows the language; the fallback stays
                    problems = [p for p in problems if "fallback" in p]
                if not walk.machine:
                    with translation.override(language):
                        recorded = frozenset(recorded_headers() if walk.recorded else ())
                    problems += workbook_problems(content, recorded=recorded)
                    if walk.signed and not has_signature(content):
                        problems.append("no signature line (单位负责人：…) under the table")
                found += [f"{where}: {problem}" for problem in problems]
    assert asked, f"nobody read {name}"
    assert not found, "\n".join(dict.fromkeys(found))
