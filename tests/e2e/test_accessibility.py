"""Every page, as a person with a screen reader, a keyboard or a phone meets it (issue 9).

* Accessibility: axe-core (npm, pinned in package.json; read from node_modules: it is test
  tooling, never served to users) runs in each page and no violation may be serious or critical.
  Playwright evaluates axe's source through the DevTools protocol, outside the page's
  Content-Security-Policy, which stays as users get it (tests/e2e/test_csp.py watches it).
* Phone width: the same page opened at 375 px wide must not scroll sideways
  (`scrollWidth <= clientWidth`): wide tables scroll inside their own container, the navigation
  collapses, charts take the width they get.
* At 1280 px the navigation bar is one row for every role.
* Chinese conventions (issue 18): each page's text as the browser has it, with the demo data's
  figures, is held to tests/conventions.py (tests/test_conventions.py walks the same matrix in
  both languages without a browser).

The pages are the access matrix's (tests/access_matrix.py MATRIX): every page URL that
answers GET, visited with the demo data (`load_demo`) as a demo user of each kind that may read
it; the matrix's objects are replaced by demo objects in the same state (`OBJECTS`). The
anonymous pages (login, registration, the second-factor code) and the error pages are visited
too. A test per role, so a failure names who met it; each lists every violation by URL with its
rule, impact, selectors and help, and every page wider than the phone with what sticks out.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, Route

from incentives.models import Claim, Policy
from portal import errors
from portal.models import Region, User
from projects.models import Application, Assignment, Call
from tests import conventions
from tests.access_matrix import ANON, MATRIX, Case, routes
from tests.e2e.helpers import ROLES

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
PHONE = {"width": 375, "height": 812}
DESKTOP_WIDTH = 1280

# URL names of the matrix whose GET answers a file or plain text, not a page: nothing to read
# for a screen reader, nothing to lay out.
NOT_PAGES = {
    "healthz": "plain-text status for the load balancer",
    "portal:document": "an official document (PDF)",
    "projects:attachment_download": "an attachment file",
    "projects:ranking_export": ".xlsx",
    "patents:template": ".xlsx",
    "patents:export": ".xlsx",
    "incentives:claim_file_download": "an evidence file",
    "incentives:spending_export": ".xlsx",
    "exchange:export": ".xlsx or .csv",
    "exchange:run_file": "the exchanged file",
    "reporting:return_template": ".xlsx",
    "reporting:return_export": ".xlsx",
    "reporting:upload_download": "the uploaded workbook",
    "reporting:export_download": ".xlsx",
    "api-schema": "the OpenAPI document (YAML)",
}
# Pages of the matrix that test_anonymous_and_error_pages visits, not a role's test.
ELSEWHERE = {
    "portal:login": "a visitor's page: test_anonymous_and_error_pages",
    "portal:register": "a visitor's page: test_anonymous_and_error_pages",
    "portal:otp_verify": "after the password of an account with an authenticator: "
    "test_anonymous_and_error_pages logs one in",
}

# The matrix's users, by kind, as demo users. For a URL with an object, the object's own people
# (its applicant, its expert, its city) come from OBJECTS instead.
DEMO_USER = {
    "ent_ak": "enterprise",
    "ent_xa": "enterprise",
    "uni_xa": "university",
    "uni_ak": "university",
    "exp1": "expert",
    "exp2": "expert",
    "city_ak": "ankang",
    "city_xa": None,  # the demo has one city agency, 安康's
    "rev1": "reviewer",
    "rev2": "reviewer",
    "lead1": "leader",
    "lead2": "leader",
    "sys1": "sysadmin",
    "sys2": "sysadmin",
    "sec1": "secadmin",
    "sec2": "secadmin",
    "aud1": "auditadmin",
    "aud2": "auditadmin",
    "norole": None,  # the demo has no account without a role
}
# Who reads an object because it is theirs (rather than by their role alone).
OWN = frozenset({"ent_ak", "ent_xa", "uni_xa", "uni_ak", "exp1", "exp2", "city_ak", "city_xa"})


def _user(username: str) -> User:
    return User.objects.get(username=username)


def _org(username: str) -> dict[str, int]:
    return {"pk": _user(username).organisation_id}


def _open_call() -> Call:
    return Call.objects.order_by("-opens_at").first()


def _application(status: str, username: str | None = None) -> Application:
    found = Application.objects.filter(status=status).order_by("pk")
    if username:
        found = found.filter(lead_organisation=_user(username).organisation)
    return found.first()


def _assignment(status: str) -> Assignment:
    return Assignment.objects.filter(status=status).order_by("pk").first()


def _claim(status: str, username: str) -> Claim:
    return (
        Claim.objects.filter(status=status, organisation=_user(username).organisation)
        .order_by("pk")
        .first()
    )


def _suggested_patent():
    """A patent of the demo university's pool suggested for the enterprise's needs, not yet
    converted (so it may still be screened and licensed)."""
    from patents.models import Match

    match = (
        Match.objects.filter(
            need__organisation=_user("enterprise").organisation,
            patent__owner=_user("university").organisation,
            patent__converted=False,
            patent__status="valid",
        )
        .order_by("pk")
        .first()
    )
    return match.patent


def _other_pool_patent():
    from patents.models import Patent

    return Patent.objects.exclude(owner=_user("university").organisation).order_by("pk").first()


def _ankang_return():
    """安康市's return of the demo's round in progress (the last complete quarter): the demo
    leaves it unreported; opened here as the city would."""
    from django.utils import timezone

    from reporting import demo, services
    from reporting.models import ReturnForm

    return services.return_open(
        actor=_user("ankang"),
        form=ReturnForm.objects.get(code="QUARTERLY"),
        region=Region.objects.get(code="610900"),
        period=str(demo.current_round(timezone.localdate())),
    )


def _submitted_return():
    from reporting.models import StatReturn

    return StatReturn.objects.filter(status="submitted").order_by("pk").first()


def _export_job():
    from reporting.services import export_request

    return export_request(
        actor=_user("ankang"), kind="dashboard", params={"region": "610900", "period": ""}
    )


def _first(model_path: str, **filters):
    from django.apps import apps

    model = apps.get_model(model_path)
    return {"pk": model.objects.filter(**filters).order_by("pk").first().pk}


@dataclass(frozen=True)
class Demo:
    """A matrix object played by demo data: the URL kwargs, and its own people as demo users."""

    kwargs: Callable[[], dict[str, Any]]
    own: tuple[tuple[str, str], ...] = ()  # matrix user key → demo user name


OBJECTS: dict[str, Demo] = {
    "org_ent_ak": Demo(
        lambda: _org("enterprise"), (("ent_ak", "enterprise"), ("city_ak", "ankang"))
    ),
    "org_ent_xa": Demo(lambda: _org("chip"), (("ent_xa", "chip"),)),
    "org_uni_xa": Demo(lambda: _org("university"), (("uni_xa", "university"),)),
    "user_ent_ak": Demo(lambda: {"pk": _user("enterprise").pk}),
    "category": Demo(lambda: {"code": 3}),
    "call": Demo(lambda: {"pk": _open_call().pk}),
    # Category 3 of the open call is left free for the enterprise (projects/demo.py).
    "lot": Demo(
        lambda: {"pk": _open_call().lots.get(category__code=3).pk},
        (("ent_ak", "enterprise"), ("uni_xa", "university")),
    ),
    "app_draft": Demo(lambda: {"pk": _application("draft", "agency").pk}, (("ent_ak", "agency"),)),
    "app_submitted": Demo(
        lambda: {"pk": _application("submitted", "university").pk}, (("ent_xa", "university"),)
    ),
    "app_project": Demo(
        lambda: {"pk": _application("in_execution", "enterprise").pk}, (("ent_ak", "enterprise"),)
    ),
    # Under expert review: one expert has accepted (and scores), `expert` has not answered yet.
    "app_exp1": Demo(
        lambda: {"pk": _assignment("accepted").application_id},
        (("exp1", "expert6"),),
    ),
    "app_exp2": Demo(lambda: {"pk": _assignment("pending").application_id}),
    "asg_exp1": Demo(lambda: {"pk": _assignment("accepted").pk}, (("exp1", "expert6"),)),
    "asg_exp2": Demo(lambda: {"pk": _assignment("pending").pk}, (("exp2", "expert"),)),
    "patent_xa": Demo(
        lambda: {"pk": _suggested_patent().pk},
        (("uni_xa", "university"), ("ent_ak", "enterprise")),
    ),
    "patent_ak": Demo(lambda: {"pk": _other_pool_patent().pk}),
    "need": Demo(
        lambda: _first("patents.TechNeed", organisation=_user("enterprise").organisation),
        (("ent_ak", "enterprise"),),
    ),
    "policy": Demo(
        lambda: {"pk": Policy.objects.get(code="little-giant-province", is_active=True).pk},
        (("ent_ak", "enterprise"),),
    ),
    "claim_draft": Demo(
        lambda: {"pk": _claim("draft", "enterprise").pk}, (("ent_ak", "enterprise"),)
    ),
    "claim_submitted": Demo(lambda: {"pk": _claim("submitted", "chip").pk}, (("ent_xa", "chip"),)),
    "mapping_import": Demo(
        lambda: _first("exchange.Mapping", code="little-giant-national", is_active=True)
    ),
    "return_ak": Demo(lambda: {"pk": _ankang_return().pk}, (("city_ak", "ankang"),)),
    "return_xa": Demo(lambda: {"pk": _submitted_return().pk}),
    "region_ak": Demo(lambda: {"code": "610900"}, (("city_ak", "ankang"),)),
    "region_xa": Demo(lambda: {"code": "610100"}),
    "export_job": Demo(lambda: {"pk": _export_job().pk}, (("city_ak", "ankang"),)),
    "target_ak": Demo(lambda: _first("reporting.Target", region__code="610900")),
    "element": Demo(lambda: _first("reporting.DataElement")),
    "rule": Demo(lambda: _first("reporting.ValidationRule")),
}

# Pages beyond the matrix's objects: other states of the same pages, which show other parts.
EXTRA: dict[str, list[tuple[str, Callable[[], str]]]] = {
    "reviewer": [
        ("scored application", lambda: _detail(_application("scored"))),
        ("approved project", lambda: _detail(_application("approved"))),
        ("acceptance requested", lambda: _detail(_application("acceptance_submitted"))),
        (
            "ranking of a lot",
            lambda: f"/projects/ranking/?lot={_application('scored').call_category_id}",
        ),
        ("paid claim", lambda: f"/incentives/claims/{_claim('paid', 'enterprise').pk}/"),
        ("province dashboard", lambda: "/reporting/dashboard/610000/"),
        ("county dashboard", lambda: "/reporting/dashboard/610902/"),
    ],
    "expert": [
        ("submitted scores", lambda: f"/projects/reviews/{_submitted_by('expert').pk}/"),
    ],
    "tea": [
        ("returned claim", lambda: f"/incentives/claims/{_claim('returned', 'tea').pk}/"),
        ("approved claim", lambda: f"/incentives/claims/{_claim('approved', 'tea').pk}/"),
    ],
}


def _detail(application: Application) -> str:
    return reverse("projects:application_detail", kwargs={"pk": application.pk})


def _submitted_by(username: str) -> Assignment:
    return Assignment.objects.filter(expert__username=username, status="submitted").first()


# The plan ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    name: str  # URL name, or a description for EXTRA and error pages
    case: Case | None
    users: tuple[str, ...]  # demo users who visit it


def _demo_users(name: str, case: Case) -> tuple[str, ...]:
    """The demo users who visit a case's page: the object's own people, and one user of each
    other kind that reads it (an enterprise and a university are two kinds). A leader's pages
    are the reviewer's without the forms, so the reviewer stands for both where both read,
    except on the statistics and dashboards, the leader's own work."""
    own = dict(OBJECTS[case.obj].own) if case.obj else {}
    users = []
    for key in sorted(case.read - {ANON}):
        user = own.get(key) if (case.obj and key in OWN) else DEMO_USER[key]
        if user and user not in users:
            users.append(user)
    if "reviewer" in users and "leader" in users and not name.startswith("reporting:"):
        users.remove("leader")
    return tuple(users)


def page_cases() -> list[Planned]:
    """Every page case of the matrix (its GET answers HTML) with the demo users who read it."""
    found = []
    for name, cases in MATRIX.items():
        route = routes()[name]
        if name in NOT_PAGES or name in ELSEWHERE or name.startswith("admin:"):
            continue
        if route.is_api and name != "api-docs":
            continue  # JSON; the API's HTML face is its documentation page
        for case in cases:
            if case.post_only or not route.reads or not case.read:
                continue
            found.append(Planned(name, case, _demo_users(name, case)))
    return found


# The role tests and their demo users. Besides one user per role, the demo's other applicants
# and experts play the owners of the matrix's objects (OBJECTS) and see the EXTRA pages.
TESTS = {
    "applicant": ("enterprise", "university", "agency", "chip", "tea"),
    "reviewer": ("reviewer",),
    "expert": ("expert", "expert6"),
    "city_agency": ("ankang",),
    "leader": ("leader",),
    "system_admin": ("sysadmin",),
    "security_admin": ("secadmin",),
    "audit_admin": ("auditadmin",),
}


def urls_for(username: str) -> list[tuple[str, str]]:
    """(what, url) of every page this demo user visits, objects resolved in the demo data."""
    visits: dict[str, str] = {}
    for planned in page_cases():
        if username not in planned.users:
            continue
        case = planned.case
        kwargs = dict(OBJECTS[case.obj].kwargs()) if case.obj else {}
        kwargs.update(case.extra)
        url = reverse(routes()[planned.name].name, kwargs=kwargs)
        if case.query:
            url = f"{url}?{case.query}"
        visits.setdefault(url, f"{planned.name}[{case.obj or '-'}]")
    for what, make in EXTRA.get(username, []):
        visits.setdefault(make(), what)
    return [(what, url) for url, what in visits.items()]


# Checks -----------------------------------------------------------------------------------------

AXE_RUN = """
async () => {
  const result = await axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    targets: v.nodes.map((n) => n.target.join(" ")),
    summary: v.nodes.length ? v.nodes[0].failureSummary : "",
  }));
}
"""

# What sticks out of a page wider than its viewport: the outermost elements past the right edge.
OVERFLOW = """
() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right <= width + 0.5 || box.width === 0) continue;
    let parent = el.parentElement, inside = false;
    while (parent && parent !== document.body) {
      const style = getComputedStyle(parent);
      if (["auto", "scroll", "hidden"].includes(style.overflowX)) { inside = true; break; }
      if (parent.getBoundingClientRect().right > width + 0.5) { inside = true; break; }
      parent = parent.parentElement;
    }
    if (inside) continue;
    const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
      (el.className && typeof el.className === "string" ?
        "." + el.className.trim().split(/\\s+/).join(".") : "");
    out.push(`${name} (right edge ${Math.round(box.right)} px)`);
    if (out.length >= 5) break;
  }
  return { scrollWidth: root.scrollWidth, clientWidth: width, out };
}
"""


def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` (axe-core is a devDependency)")
    return AXE.read_text(encoding="utf-8")


class Checker:
    """Runs axe and the phone-width check on pages, collecting what fails by URL."""

    def __init__(self, desktop: Page, phone: Page | None) -> None:
        self.desktop = desktop
        self.phone = phone
        self.source = axe_source()
        self.violations: list[str] = []
        self.too_wide: list[str] = []
        self.unconventional: list[str] = []
        self.checked = 0

    def _ready(self, page: Page, url: str) -> None:
        response = page.goto(url)
        assert response is not None, url
        assert response.status == 200, f"{url}: {response.status}"
        assert "text/html" in response.headers.get("content-type", ""), url
        page.wait_for_load_state("load")
        if page.locator("#swagger-ui").count():  # the API docs draw after fetching the schema
            page.wait_for_selector("#swagger-ui .opblock")
        page.wait_for_timeout(100)  # charts draw, widths apply after load

    def axe(self, page: Page, label: str, known: tuple = ()) -> list[dict]:
        """The serious and critical violations of the page, recorded unless already `known`
        (the same rule on the same elements, found at the other width)."""
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(self.source)
        found = [v for v in page.evaluate(AXE_RUN) if v["impact"] in BLOCKING]
        seen = {(v["id"], tuple(v["targets"])) for v in known}
        for v in found:
            if (v["id"], tuple(v["targets"])) in seen:
                continue
            self.violations.append(
                f"{label}\n  {v['id']} ({v['impact']}): {v['help']}\n"
                f"    at {'; '.join(v['targets'][:6])}"
                f"{' …' if len(v['targets']) > 6 else ''}\n"
                f"    {v['summary'].replace(chr(10), ' ')}\n    {v['helpUrl']}"
            )
        return found

    def fits(self, page: Page, label: str) -> None:
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > measured["clientWidth"]:
            self.too_wide.append(
                f"{label}: {measured['scrollWidth']} px wide in {measured['clientWidth']} px: "
                + ", ".join(measured["out"] or ["(no single element)"])
            )

    def check(self, url: str, what: str, who: str) -> None:
        label = f"{url} ({what}, as {who})"
        self._ready(self.desktop, url)
        # The Chinese conventions (tests/conventions.py) on the demo data's pages, as drawn; not
        # on the API's documentation, which is about paths and fields, for programmers.
        if not url.startswith("/api/"):
            html = self.desktop.content()
            self.unconventional += [
                f"{label}: {p}" for p in conventions.page_problems(html, "zh-hans")
            ]
        found = self.axe(self.desktop, label)
        if self.phone is not None:
            self._ready(self.phone, url)
            self.fits(self.phone, label)
            self.axe(self.phone, f"{label} at {PHONE['width']} px", known=found)
        self.checked += 1

    def report(self) -> str:
        parts = []
        if self.violations:
            parts.append(
                f"{len(self.violations)} serious or critical axe violations:\n"
                + "\n".join(self.violations)
            )
        if self.unconventional:
            parts.append(
                f"{len(self.unconventional)} breaks of the Chinese conventions:\n"
                + "\n".join(dict.fromkeys(self.unconventional))
            )
        if self.too_wide:
            parts.append(
                f"{len(self.too_wide)} pages scroll sideways at {PHONE['width']} px:\n"
                + "\n".join(self.too_wide)
            )
        return "\n\n".join(parts)


def phone_page(desktop: Page, base_url: str) -> Page:
    """A page at a phone's width sharing the desktop page's session."""
    context = desktop.context.browser.new_context(
        base_url=base_url,
        locale="zh-CN",
        viewport=PHONE,
        storage_state=desktop.context.storage_state(),
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    return context.new_page()


def nav_rows(page: Page) -> dict[str, Any]:
    """The navigation bar's height, its tallest item's, and how far the items' vertical centres
    spread: on one row they share a centre line."""
    return page.evaluate(
        """() => {
          const nav = document.querySelector("nav.navbar");
          const selector =
            ".navbar-brand, .navbar-nav > li, .container-fluid > form, .navbar-collapse > form";
          const items = [...nav.querySelectorAll(selector)]
            .filter((el) => el.getBoundingClientRect().height > 0);
          const boxes = items.map((el) => el.getBoundingClientRect());
          const centres = boxes.map((box) => box.top + box.height / 2);
          return {
            height: Math.round(nav.getBoundingClientRect().height),
            row: Math.round(Math.max(...boxes.map((box) => box.height))),
            spread: Math.round(Math.max(...centres) - Math.min(...centres)),
            items: items.length,
            labels: items.map((el) => el.innerText.trim().split("\\n")[0]),
          };
        }"""
    )


# Tests ------------------------------------------------------------------------------------------


def test_every_page_of_the_matrix_is_planned():
    """No page of the access matrix escapes: each is visited by some demo user, or is a file
    (NOT_PAGES), or is reached another way (ELSEWHERE), with the reason."""
    planned = {p.name for p in page_cases() if p.users}
    # A case whose only readers have no demo counterpart (another city's agency, a second
    # university's pool) is fine when its page is visited through another case.
    unvisited = [
        f"{p.name}[{p.case.obj}]" for p in page_cases() if not p.users and p.name not in planned
    ]
    pages = {
        name
        for name, route in routes().items()
        if name in MATRIX
        and not route.is_api
        and not name.startswith("admin:")
        and route.reads
        and any(not case.post_only for case in MATRIX[name])
    }
    missing = sorted(pages - planned - NOT_PAGES.keys() - ELSEWHERE.keys())
    assert not missing, f"pages no demo user visits: {missing}"
    assert not unvisited, f"cases no demo user reads: {unvisited}"
    users = {u for p in page_cases() for u in p.users}
    assert users <= {u for names in TESTS.values() for u in names}, users


@pytest.mark.parametrize("role", list(TESTS))
def test_every_page_passes_axe_and_fits_a_phone(role, page_as, demo_data, live_site, settings):
    settings.RATELIMIT_ENABLE = False  # several logins and exports in one minute
    checked_users = 0
    problems = []
    total = 0
    for username in TESTS[role]:
        urls = urls_for(username)
        if not urls:
            continue
        desktop = page_as(username)
        phone = phone_page(desktop, live_site.url)
        checker = Checker(desktop, phone)
        try:
            checker.check("/", "home", username)
            for what, url in urls:
                checker.check(url, what, username)
        finally:
            phone.context.close()
        if checker.report():
            problems.append(checker.report())
        checked_users += 1
        total += checker.checked
    assert checked_users and total > len(TESTS[role]), f"{role}: nothing visited"
    assert not problems, "\n\n".join(problems)


def _error_pages() -> dict[str, str]:
    """The error pages Django's handlers render (400, 413, 429, 500): rendered by the portal's
    own handlers here, served to the browser under the live server's address."""
    request = RequestFactory().get("/")
    with translation.override("zh-hans"):
        return {
            "400": errors.bad_request(request).content.decode(),
            "413": errors.too_large(request, limit_mb=60).content.decode(),
            "429": errors.too_many(request).content.decode(),
            "500": errors.server_error(request).content.decode(),
        }


def serve(body: str) -> Callable[[Route], None]:
    def fulfil(route: Route) -> None:
        route.fulfill(status=200, body=body, content_type="text/html; charset=utf-8")

    return fulfil


def test_anonymous_and_error_pages(page, page_as, login_as, demo_data, live_site, settings):
    settings.RATELIMIT_ENABLE = False
    phone = phone_page(page, live_site.url)
    checker = Checker(page, phone)
    try:
        for url, what in (("/login/", "login"), ("/register/", "registration")):
            checker.check(url, what, "a visitor")

        # The second factor's code page, after the password of an account with an authenticator.
        TOTPDevice.objects.create(user=_user("auditadmin"), name="app", confirmed=True)
        login_as(page, "auditadmin", expect_success=False)
        assert reverse("portal:otp_verify") in page.url, page.url
        checker.axe(page, f"{page.url} (the code after the password)")
        page.context.clear_cookies()

        # Error pages: 404 and 403 through the site itself …
        for who_page, url, status in ((page, "/no-such-page/", 404),):
            response = who_page.goto(url)
            assert response.status == status
            checker.axe(who_page, f"{url} ({status}, a visitor)")
        leader = page_as("leader")
        response = leader.goto("/users/")
        assert response.status == 403
        checker.axe(leader, "/users/ (403, as leader)")
        response = leader.goto("/no-such-page/")
        assert response.status == 404
        checker.axe(leader, "/no-such-page/ (404, as leader)")

        # … the others as the handlers render them.
        for status, body in _error_pages().items():
            url = f"/__error__/{status}/"
            for target in (page, phone):
                target.route(f"**{url}", serve(body))
            checker.check(url, f"error {status}", "a visitor")
    finally:
        phone.context.close()
    assert checker.checked >= 6
    assert not checker.report(), checker.report()


# One demo user of each role: the same the browser's CSP walk takes (tests/e2e/test_csp.py).
NAV_USERS = ROLES


def test_navigation_is_one_row_at_desktop_width(page_as, demo_data, settings):
    """For every role, in both languages: the brand, the menus, the user menu and the language
    switcher share one top, and the bar is one row high."""
    settings.RATELIMIT_ENABLE = False
    wrong = []
    for username in NAV_USERS:
        page = page_as(username)
        assert page.viewport_size["width"] == DESKTOP_WIDTH
        for language in ("zh-hans", "en"):
            page.context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": page.url}]
            )
            page.goto("/")
            rows = nav_rows(page)
            # One row: a shared centre line, and the bar no taller than its tallest item and
            # the bar's padding (a second row would add another item's height).
            if rows["items"] < 4 or rows["spread"] > 8 or rows["height"] > rows["row"] + 24:
                wrong.append(f"{username} ({language}): {json.dumps(rows, ensure_ascii=False)}")
    assert not wrong, "\n".join(wrong)
