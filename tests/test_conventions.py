"""Chinese conventions on every page, workbook and document (issue 18), checked by walking the
access matrix: every URL of tests/access_matrix.py that answers GET is read by one user of each
role that may read it, in Chinese and in English, with the matrix's world (tests/access_world.py:
records in every state, histories, messages). A page answers HTML and its visible text is held to
tests/conventions.py; a workbook's cells and a PDF's text to the same rules. A new URL is in the
matrix (test_access_matrix.py makes sure), so it is walked here without anyone adding it.

The rules themselves are tested first, each with a case it must catch, so a rule that cannot
fail does not pass the walk by accident.
"""

import io
import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests import conventions
from tests.access_matrix import ANON, MATRIX, PROBES, routes

LANGUAGES = ("zh-hans", "en")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# The rules catch what issue 18 saw ----------------------------------------------------------


CAUGHT = [
    ("iso-date", "<p>提交时间 2025-07-15</p>"),
    ("iso-date", "<td>2026-12-08 00:04</td>"),
    ("quarter-code", "<h1>2025Q2 统计报表</h1>"),
    ("code-token", "<td>VALID_INVENTION</td>"),
    ("code-token", "<li>prev(VALID_INVENTION) 不应大于本期</li>"),
    ("code-token", "<td>POOL_CONVERSION_AMOUNT</td>"),
    ("slug", "<td>first-set</td>"),
    ("slug", "<td>product-filings</td>"),
    ("none", "<p>操作人 None</p>"),
    ("placeholder", '<select><option value="">---------</option></select>'),
    ("exception", "<div>导入失败（ValueError）</div>"),
    ("ascii-colon", "<p>专利开放许可达成数: 12</p>"),
    ("ascii-colon", "<p>新增: 4更新: 0未变: 0</p>"),
    ("nested-quotes", "<p>“国家级专精特新“小巨人”企业”</p>"),
    ("straight-quotes", '<p>"小巨人"企业</p>'),
    ("english-stop", "<p>已提交.</p>"),
    ("count-decimals", "<td>28792.12 件</td>"),
    ("count-decimals", "<td>25.11 家</td>"),
    ("yuan-cents", "<td>20000.00</td>"),
    ("no-separators", "<td>116974 件</td>"),
    ("chinese-date", "<p>15 July 2025 · 2026年12月8日</p>"),
]


@pytest.mark.parametrize(("code", "html"), CAUGHT)
def test_each_rule_catches_what_the_issue_saw(code, html):
    language = "en" if code == "chinese-date" else "zh-hans"
    found = conventions.page_problems(html, language)
    assert any(f"[{code}]" in problem for problem in found), found


@pytest.mark.parametrize(
    "html",
    [
        "<p>提交时间 2025年7月15日 10:00</p>",
        "<h1>2025年第二季度统计报表</h1>",
        "<td>2025年Q2</td>",
        "<td>20</td><td>1,234.5</td><td>116,974 件</td><td>77.5%</td><td>是</td>",
        "<p>专利开放许可达成数：12</p>",
        "<p>“国家级专精特新‘小巨人’企业”</p>",
        "<p>已提交。</p>",
        '<p>元素 <code>VALID_INVENTION</code> 可写入公式</p><script>var a = "2025-07-15";</script>',
        '<input type="date" value="2025-07-15"><a href="/a-b-c/">链接</a>',
        "<p>联系邮箱 demo-user@example.cn，网址 https://example.cn/a-b</p>",
    ],
)
def test_what_the_conventions_write_passes(html):
    assert conventions.page_problems(html, "zh-hans") == []


def test_english_mode_refuses_chinese_system_sentences_but_not_names():
    chinese = "<ol><li data-system>2025年7月15日 · <span data-user>张三</span> 已提交</li></ol>"
    english = (
        "<ol><li data-system>15 July 2025 · <span data-user>张三</span> submitted: "
        "<span data-user>材料已补充，请审核</span></li></ol>"
        '<div class="alert" data-system>Application “基于石墨烯的传感器” was submitted to '
        "陕西省知识产权局.</div>"
    )
    assert any("[chinese-sentence]" in p for p in conventions.page_problems(chinese, "en"))
    assert conventions.page_problems(english, "en") == []


def test_text_in_the_head_and_skipped_elements_is_not_read_but_the_title_is():
    html = (
        '<html><head><title>2025Q2</title><meta content="2025-01-01"><style>a{}</style></head>'
        "<body><noscript>VALID_INVENTION</noscript>正文</body></html>"
    )
    text, _system = conventions.visible_text(html)
    assert text.split("\n") == ["2025Q2", "正文"]


# The walk -----------------------------------------------------------------------------------

ROLE = re.compile(r"[a-z]+?(?=\d|_|$)")


def _role(key: str) -> str:
    """ent_ak → ent, rev1 → rev: one user of each role reads each page."""
    match = ROLE.match(key)
    return match.group(0) if match else key


def _readers(case) -> list[str]:
    chosen: dict[str, str] = {}
    for key in sorted(case.read):
        chosen.setdefault(_role(key), key)
    return sorted(chosen.values())


# What the portal serves but did not write: files users uploaded, as they uploaded them.
UPLOADED = {
    "projects:attachment_download": "an applicant's attachment",
    "incentives:claim_file_download": "a claim's evidence file",
    "reporting:upload_download": "the workbook a city uploaded",
    "exchange:run_file": "the file exchanged with another platform, in its prescribed format",
}
# Django's own admin, for the developers who run the portal: Django's formats and words.
NOT_WALKED = {"admin:index": "Django's admin site"}
PAGES = sorted(
    name
    for name, cases in MATRIX.items()
    if not routes()[name].is_api
    and routes()[name].reads
    and any(case.read for case in cases)
    and name not in UPLOADED
    and name not in NOT_WALKED
)


def _workbook_text(content: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content))  # not read-only: the column widths say "hidden"
    lines = []
    for sheet in book.worksheets:
        if sheet.sheet_state != "visible":
            continue  # a hidden sheet of machine keys is for the importer, not for people
        # … and so is a hidden column (the return's element codes, which its importer reads).
        hidden = {
            number
            for dimension in sheet.column_dimensions.values()
            if dimension.hidden and dimension.min
            for number in range(dimension.min, (dimension.max or dimension.min) + 1)
        }
        lines.append(sheet.title)
        for row in sheet.iter_rows():
            lines.extend(
                cell.value
                for cell in row
                if isinstance(cell.value, str) and cell.column not in hidden
            )
    return "\n".join(lines)


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)


def _content(response) -> bytes:
    # A long export and a document are streamed (FileResponse).
    return b"".join(response.streaming_content) if response.streaming else response.content


def problems_of(response, language: str) -> list[str]:
    """What a response shows a person that breaks a convention; [] for what nobody reads.

    A file is held to the Chinese rules from the Chinese pages, and to the rules of every
    language (no ISO date, no 2025Q2, no code) from the English ones: it is never asked to be
    English (conventions.file_problems)."""
    kind = response.get("Content-Type", "").split(";")[0].strip()
    if kind == "text/html":
        return conventions.page_problems(_content(response).decode(), language)
    if kind == XLSX:
        return conventions.file_problems(_workbook_text(_content(response)), language)
    if kind == "application/pdf":
        return conventions.file_problems(_pdf_text(_content(response)), language)
    return []  # JSON, CSV for other systems, evidence files as uploaded


def _get(client: Client, url: str, language: str):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    if response.status_code == 302 and not response["Location"].startswith("/login"):
        response = client.get(response["Location"])
    return response


@pytest.mark.parametrize("name", PAGES)
def test_every_page_follows_the_conventions(name, world, clients):
    route = routes()[name]
    found: list[str] = []
    for case in MATRIX[name]:
        kwargs = dict(world.kwargs[case.obj]) if case.obj else {}
        kwargs.update(case.extra)
        url = reverse(route.name, kwargs=kwargs) + (f"?{case.query}" if case.query else "")
        for key in _readers(case):
            client = clients[ANON if key == ANON else key]
            for language in LANGUAGES:
                response = _get(client, url, language)
                if response.status_code != 200:
                    continue  # who may read what is test_access_matrix.py's question
                found += [
                    f"{url} as {key} ({language}): {p}" for p in problems_of(response, language)
                ]
    assert not found, "\n".join(dict.fromkeys(found))


def test_the_chinese_translations_follow_the_conventions():
    """Every Chinese string the portal can show, shown or not on a walked page: a message for a
    rare error is written once, in locale/zh_Hans, and held to the same rules here."""
    import polib

    catalogue = polib.pofile(str(settings.BASE_DIR / "locale/zh_Hans/LC_MESSAGES/django.po"))
    found = []
    for entry in catalogue.translated_entries():
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            # Placeholders stand for figures and names the formats module writes.
            sample = re.sub(r"%\(\w+\)[sdf]|%[sd]|\{\{[^}]*\}\}|\{[a-z_]*\}", "X", text)
            found += [f"{entry.msgid!r}: {p}" for p in conventions.text_problems(sample)]
    assert not found, "\n".join(found)


# What a write answers: the page after it, with its message ----------------------------------

WRITES = sorted(
    name
    for name, cases in MATRIX.items()
    if not routes()[name].is_api
    and "post" in routes()[name].write_methods
    and any(case.write for case in cases)
)


def _post(client: Client, url: str, data: dict, language: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    files = {
        key: SimpleUploadedFile(*value) if isinstance(value, tuple) else value
        for key, value in data.items()
    }
    return client.post(url, files, follow=True)


@pytest.mark.parametrize("name", WRITES)
def test_every_write_answers_in_the_conventions(name, world, clients):
    """The one allowed write of each case of the matrix, in Chinese and in English, each undone
    after: the page it leads to (its message, the record's new history entry) is held to the
    rules, and in English mode the portal's own sentences are English."""
    from django.db import transaction

    route = routes()[name]
    found: list[str] = []
    for case in MATRIX[name]:
        writers = sorted((case.write or frozenset()) - {ANON} - set(dict(case.special)))
        if not writers:
            continue
        key = case.writer or writers[0]
        kwargs = dict(world.kwargs[case.obj]) if case.obj else {}
        kwargs.update(case.extra)
        url = reverse(route.name, kwargs=kwargs) + (f"?{case.query}" if case.query else "")
        for language in LANGUAGES:
            data = dict(case.write_data) or (PROBES[case.probe](world) if case.probe else {})
            with transaction.atomic():
                response = _post(clients[key], url, data, language)
                transaction.set_rollback(True)
            if response.status_code == 200:
                found += [
                    f"POST {url} as {key} ({language}): {p}"
                    for p in problems_of(response, language)
                ]
    assert not found, "\n".join(dict.fromkeys(found))
