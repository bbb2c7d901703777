"""Content-Security-Policy (issue 8): every HTML page is sent with a policy that allows scripts
from this origin only, and no template holds what such a policy blocks (inline scripts, inline
event handlers, javascript: links, style attributes, <style> elements).

The browser side (no violation on the main pages of every role, the auto-submit selects and the
print button still working) is tests/e2e/test_csp.py.
"""

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from portal.factories import UserFactory
from portal.models import Role

ROOT = Path(__file__).resolve().parent.parent
UNSAFE = ("'unsafe-inline'", "'unsafe-eval'")


def policy(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_strict(header: str, where: str) -> dict[str, list[str]]:
    directives = policy(header)
    assert directives.get("default-src") == ["'self'"], where
    assert directives.get("script-src") == ["'self'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("base-uri") == ["'self'"], where
    assert directives.get("form-action") == ["'self'"], where
    for name in ("default-src", "script-src", "script-src-elem", "script-src-attr"):
        assert not set(UNSAFE) & set(directives.get(name, [])), (where, name)
    return directives


# The rendered page --------------------------------------------------------------------------


class InlineCode(HTMLParser):
    """Collects what a strict policy blocks in rendered HTML: inline scripts (json_script's
    application/json data excepted), on* attributes, javascript: URLs, style attributes and
    <style> elements."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name == "style":
                self.found.append(f"<{tag} style=…>")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:…>")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and not names.get("src"):
            self._in_script = names.get("type") != "application/json"

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.found.append(f"inline <script>: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


PAGES = {
    # role: pages (URL names with arguments); a sample across every app
    None: [("portal:login", {}), ("portal:register", {})],
    Role.REVIEWER: [
        ("portal:home", {}),
        ("portal:organisation_list", {}),
        ("projects:application_list", {}),
        ("projects:ranking", {}),
        ("patents:pool", {}),
        ("patents:statistics", {}),
        ("incentives:policy_list", {}),
        ("incentives:claim_list", {}),
        ("incentives:budget_list", {}),
        ("incentives:spending", {}),
        ("exchange:index", {}),
        ("reporting:return_list", {}),
        ("reporting:dashboard", {}),
        ("reporting:completeness", {}),
        ("reporting:setup", {}),
        ("reporting:element_new", {}),
        ("api-docs", {}),
    ],
    Role.LEADER: [("portal:home", {}), ("reporting:dashboard", {})],
    Role.SYSTEM_ADMIN: [("portal:user_list", {}), ("portal:user_create", {})],
    Role.AUDIT_ADMIN: [("portal:audit_list", {})],
}


def pages():
    for role, names in PAGES.items():
        for name, kwargs in names:
            yield pytest.param(role, name, kwargs, id=f"{role or 'anonymous'}-{name}")


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "name", "kwargs"), list(pages()))
def test_every_page_carries_a_strict_policy_and_no_inline_code(client, role, name, kwargs):
    if role is not None:
        client.force_login(UserFactory(role=role))
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200, name
    assert response["Content-Type"].startswith("text/html"), name
    assert "Content-Security-Policy" in response, f"{name} has no Content-Security-Policy"
    directives = assert_strict(response["Content-Security-Policy"], name)
    assert directives.get("img-src") == ["'self'", "data:"], name
    assert directives.get("font-src") == ["'self'"], name
    assert directives.get("connect-src") == ["'self'"], name
    assert directives.get("style-src") == ["'self'"], name
    assert inline_code(response.content.decode()) == [], name


@pytest.mark.django_db
def test_api_docs_start_up_script_comes_from_this_origin(client):
    """Swagger UI's start-up script is a separate same-origin file, not an inline block: the docs
    page keeps script-src 'self' with no 'unsafe-inline'."""
    client.force_login(UserFactory(role=Role.REVIEWER))
    page = client.get(reverse("api-docs"))
    scripts = re.findall(r"<script[^>]*\bsrc=\"([^\"]+)\"", page.content.decode())
    start_up = [src for src in scripts if "script" in src and src.startswith(reverse("api-docs"))]
    assert start_up, scripts
    script = client.get(start_up[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


@pytest.mark.django_db
def test_api_docs_take_their_styles_from_this_origin_too(client):
    """drf-spectacular's page template held an inline <style>; the portal's override
    (templates/drf_spectacular/swagger_ui.html) links static/portal/api-docs.css instead, so the
    docs page needs no 'unsafe-inline' (tests/e2e/test_csp.py watches it in a browser)."""
    client.force_login(UserFactory(role=Role.REVIEWER))
    docs = client.get(reverse("api-docs"))
    assert policy(docs["Content-Security-Policy"])["style-src"] == ["'self'"]
    assert "portal/api-docs.css" in docs.content.decode()


@pytest.mark.django_db
def test_the_error_pages_carry_the_policy_too(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_strict(response["Content-Security-Policy"], "404")


# CSP_REPORT_ONLY ----------------------------------------------------------------------------


def settings_with(**environment: str) -> dict:
    """CONTENT_SECURITY_POLICY(_REPORT_ONLY) as config/settings.py computes them in a fresh
    process with these environment variables."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        "print(json.dumps([settings.CONTENT_SECURITY_POLICY, "
        "settings.CONTENT_SECURITY_POLICY_REPORT_ONLY]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x"}
    env.pop("CSP_REPORT_ONLY", None)
    env.update(environment)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    enforced, report_only = json.loads(result.stdout.strip().splitlines()[-1])
    return {"enforced": enforced, "report_only": report_only}


def test_policy_is_enforced_by_default():
    computed = settings_with()
    assert computed["report_only"] is None
    assert computed["enforced"]["DIRECTIVES"]["script-src"] == ["'self'"]


@pytest.mark.django_db
def test_report_only_switch_sends_the_same_policy_without_enforcing_it(client, settings):
    computed = settings_with(CSP_REPORT_ONLY="1")
    assert computed["enforced"] is None
    assert computed["report_only"]["DIRECTIVES"]["script-src"] == ["'self'"]
    settings.CONTENT_SECURITY_POLICY = computed["enforced"]
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = computed["report_only"]
    client.force_login(UserFactory(role=Role.REVIEWER))
    response = client.get(reverse("portal:home"))
    assert "Content-Security-Policy" not in response
    assert_strict(response["Content-Security-Policy-Report-Only"], "report-only home")
    docs = client.get(reverse("api-docs"))
    assert_strict(docs["Content-Security-Policy-Report-Only"], "report-only API docs")


# The template sources -----------------------------------------------------------------------


def template_files() -> list[Path]:
    folders = [Path(folder) for engine in settings.TEMPLATES for folder in engine["DIRS"]]
    for app in ("portal", "projects", "patents", "incentives", "reporting", "exchange"):
        folders.append(ROOT / app / "templates")
    return sorted(path for folder in folders if folder.is_dir() for path in folder.rglob("*.html"))


TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
HTMX_ON = re.compile(r"\s(?:hx|data-hx)-on", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)
SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)
COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)


def problems(source: str) -> list[str]:
    source = COMMENT.sub("", source)
    found = []
    for tag in TAG.findall(source):
        for pattern, what in (
            (EVENT_HANDLER, "inline event handler"),
            (HTMX_ON, "hx-on handler (evaluated as script)"),
            (STYLE_ATTRIBUTE, "style attribute"),
            (JAVASCRIPT_URL, "javascript: URL"),
        ):
            if pattern.search(tag):
                found.append(f"{what}: {tag[:80]}")
    for attributes in SCRIPT.findall(source):
        if not re.search(r"\bsrc\s*=", attributes):
            found.append(f"<script> without src: <script{attributes[:60]}>")
    if STYLE_ELEMENT.search(source):
        found.append("<style> element")
    return found


def test_template_scan_finds_what_the_policy_blocks():
    """The scanner itself: each kind of inline code is caught, json_script and src= are not."""
    assert problems('<select onchange="this.form.submit()">')
    assert problems('<button type="button"\n  onclick="window.print()">')
    assert problems('<div hx-on:click="alert(1)">')
    assert problems('<div style="width: 5%">')
    assert problems('<a href="javascript:history.back()">')
    assert problems("<script>alert(1)</script>")
    assert problems("<style>p { color: red }</style>")
    assert not problems('<script src="/static/portal/portal.js"></script>')
    assert not problems('{{ charts|json_script:"dashboard-charts" }}')
    assert not problems('<select data-autosubmit name="period">')
    assert not problems('<div data-width="42.5" class="progress-bar">')
    assert not problems("{# no <style> here #}")


def test_templates_hold_no_inline_script_handler_or_style():
    files = template_files()
    assert len(files) > 50, "the template folders were not found"
    found = {
        str(path.relative_to(ROOT)): problems(path.read_text(encoding="utf-8")) for path in files
    }
    assert {path: found for path, found in found.items() if found} == {}
