"""Access-control matrix: every page and API endpoint, asked by two users of every role.

GB/T 22239-2019 level 3, 8.1.4.2 访问控制 (access control): access is granted by role and by
object, and a user reaches only what the policy gives them. This module proves it for the whole
URL space:

* `MATRIX` (tests/access_matrix.py) maps every URL name the resolver knows (pages, the DRF
  router's list, detail and @action routes, the API root, schema and docs, /admin/) to its
  expectations: which users read it, which may write through it, and which object of the world
  (tests/access_world.py) fills its kwargs. `test_every_url_is_in_the_matrix` fails naming any
  URL the table does not cover (and any entry naming a URL that no longer exists), so a new URL
  cannot ship without deciding who may reach it. `EXCLUDED` lists the few left out, each with
  its reason.
* `test_access` runs each case for every user of the world (two per role, in different
  organisations and cities; an account without a role; an anonymous visitor; for a URL without
  an object, one reviewer, leader and administrator of each kind, see SECOND_OF_A_KIND):
  - a read (GET) answers 200 to its readers and 403 or 404 to everyone else; a visitor is sent
    to the login page (pages) or refused with 401/403 (API). A URL that only takes POST answers
    405 before asking who is there, so a few users stand for all;
  - a write (POST on a page; each of POST, PUT, PATCH, DELETE the API route maps) is refused
    with 403, 404 or 405 to everyone who may not write, whether or not they may see the object.
    It carries a well-formed payload where the case names one (`PROBES`), so that it reaches the
    service's own check rather than stopping at a form's. Two documented exceptions for users
    who may see the object: a page that answers their POST as a GET (`ignores_post`, 200), and a
    transition the workflow refuses for the object's state, to a user who could take it in
    another state (`state_first`, a redirect with the message or the API's 400; see
    portal/workflow.py). Either way nothing changed: every row of the
    portal's organisations, users and notifications and of the URL's app is compared before and
    after the refused writes;
  - then one user who may write is asked too, and must not be refused (403/404/405): the case
    proves it checks something rather than refusing everybody;
  - API lists (`listed`) show the object to exactly the users in `lists`.
* A few tests below ask about objects named in a payload rather than in the URL.

The world is built once per module inside a transaction rolled back at the end; each test runs in
its own savepoint, so a write that got through cannot leak into the next test.
"""

import json
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.access_matrix import (
    ANON,
    EXCLUDED,
    MATRIX,
    NOBODY,
    PROBES,
    SECOND_OF_A_KIND,
    Case,
    Route,
    routes,
)
from tests.access_world import ACTOR_KEYS, World


def _is_admin_internal(route: Route) -> bool:
    return route.route.startswith("admin/") and route.name != "admin:index"


def test_every_url_is_in_the_matrix():
    names = {name for name, route in routes().items() if not _is_admin_internal(route)}
    missing = sorted(names - MATRIX.keys() - EXCLUDED.keys())
    assert not missing, (
        "URLs without access expectations: add them to MATRIX in tests/access_matrix.py "
        f"(who reads, who writes, which object): {', '.join(missing)}"
    )
    stale = sorted((MATRIX.keys() | EXCLUDED.keys()) - names)
    assert not stale, f"MATRIX names URLs that do not exist: {', '.join(stale)}"


def test_admin_internals_send_portal_users_to_the_admin_login(world, clients):
    """Everything under /admin/ is Django's admin, which asks for is_staff before anything: a
    portal user of any role, or a visitor, lands on the admin's login page."""
    names = ["admin:index", "admin:portal_user_changelist", "admin:portal_auditentry_changelist"]
    for key in (ANON, *ACTOR_KEYS):
        for name in names:
            response = clients[key].get(reverse(name))
            assert response.status_code == 302, (key, name)
            assert response["Location"].startswith(reverse("admin:login")), (key, name)
    assert clients["superuser"].get(reverse("admin:portal_user_changelist")).status_code == 200


# The world and its users ------------------------------------------------------------------------


# What the database holds: every row of the apps' models, and the people -------------------------

APPS = ("projects", "patents", "incentives", "reporting", "exchange")
PORTAL_MODELS = ("Organisation", "Qualification", "User", "Notification")


def _app_of(route: Route) -> str:
    """The app whose data a URL writes: its namespace, or its API view's module."""
    if ":" in route.name:
        return route.name.split(":", 1)[0]
    view = getattr(route.callback, "cls", None)
    return view.__module__.split(".", 1)[0] if view is not None else "portal"


def snapshot(route: Route) -> dict[str, list[dict]]:
    """Every row of the portal's people and organisations and of the URL's app (of every app
    for the exchange, which writes into the others)."""
    app = _app_of(route)
    labels = APPS if app == "exchange" else [label for label in APPS if label == app]
    models = [apps.get_model("portal", name) for name in PORTAL_MODELS]
    for label in labels:
        models += list(apps.get_app_config(label).get_models())
    rows = {}
    for model in models:
        values = list(model.objects.order_by("pk").values())
        for row in values:
            row.pop("last_login", None)  # force_login touches it
        rows[model._meta.label] = values
    return rows


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


# The test ---------------------------------------------------------------------------------------

CASES = [
    pytest.param(
        name, case, id=f"{name}[{index}:{case.obj or '-'}{''.join(v for _k, v in case.extra)}]"
    )
    for name, cases in MATRIX.items()
    for index, case in enumerate(cases)
]
DENIED = {403, 404}
LOGIN = "/login/"


def _url(world: World, route: Route, case: Case) -> str:
    kwargs = dict(world.kwargs[case.obj]) if case.obj else {}
    kwargs.update(case.extra)
    url = reverse(route.name, kwargs=kwargs)
    return f"{url}?{case.query}" if case.query else url


def _send(client: Client, route: Route, url: str, method: str, data: dict):
    if method == "get":
        return client.get(url)
    has_files = any(isinstance(value, tuple) for value in data.values())
    if route.is_api and not has_files and (route.takes_json or method != "post"):
        return getattr(client, method)(url, json.dumps(data), content_type="application/json")
    if method == "post":
        files = {
            key: SimpleUploadedFile(*value) if isinstance(value, tuple) else value
            for key, value in data.items()
        }
        return client.post(url, files)
    return getattr(client, method)(url)


def _describe(key: str, method: str, response) -> str:
    where = response.get("Location", "")
    return f"{key} {method.upper()} → {response.status_code} {where}".strip()


def _anonymous_refusal(route: Route, response) -> bool:
    if route.is_api:
        return response.status_code in {401, 403}
    if response.status_code == 302:
        return response["Location"].startswith(LOGIN)
    return response.status_code == 405


def _lists(response, identity: dict[str, Any]) -> bool:
    body = response.json()
    rows = body["results"] if isinstance(body, dict) and "results" in body else body
    return any(all(row.get(k) == v for k, v in identity.items()) for row in rows)


@pytest.mark.parametrize(("name", "case"), CASES)
def test_access(name, case, world, clients):
    route = routes()[name]
    url = _url(world, route, case)
    special = dict(case.special)
    writers = case.write or NOBODY
    asked = set(ACTOR_KEYS) if case.obj else set(ACTOR_KEYS) - SECOND_OF_A_KIND
    actors = sorted((asked | {ANON} | case.read | writers) & clients.keys())
    wrong: list[str] = []
    probe = PROBES[case.probe](world) if case.probe else {}

    readers = actors
    if case.one_reader:
        readers = [key for key in actors if key not in case.read] + sorted(case.read)[:1]
    if case.post_only or not route.reads:
        # GET is refused before anyone's rights are asked: a visitor, an account without a
        # role and a user who may write stand for everybody.
        readers = sorted({ANON, "norole", *sorted(writers - {ANON})[:1]})
    for key in readers:
        response = _send(clients[key], route, url, "get", {})
        if not _read_as_expected(route, case, key, response, world, wrong):
            wrong.append(_describe(key, "get", response))

    # A reader's POST to a URL that writes nothing is a read, with a read's side effects (an
    # export is logged): asked before the database is photographed, of one reader for all (the
    # page has no other path for a POST).
    as_reads = {key for key in actors if case.write is None and key in case.read}
    as_reads = set(sorted(as_reads - {ANON})[:1] or sorted(as_reads)[:1])
    refused = [
        key
        for key in actors
        if key not in writers and (key in as_reads or not (case.write is None and key in case.read))
    ]
    before = None
    for key in sorted(refused, key=lambda k: k not in as_reads):
        if before is None and key not in as_reads:
            before = snapshot(route)
        for method in route.write_methods:
            response = _send(clients[key], route, url, method, probe)
            if not _refused_as_expected(route, case, key, response):
                wrong.append(_describe(key, method, response))
    before = before or snapshot(route)
    after = snapshot(route)
    assert not wrong, f"{name} {url}: " + "; ".join(wrong)
    assert not changed(before, after), (
        f"{name} {url}: refused writes changed {changed(before, after)}"
    )

    # The positive side of writing: a user who may write is not refused.
    allowed = sorted(writers - {ANON} - set(special))
    if allowed and route.write_methods:
        key, method = case.writer or allowed[0], route.write_methods[0]
        response = _send(clients[key], route, url, method, dict(case.write_data) or probe)
        assert response.status_code not in {401, 403, 404, 405}, (
            f"{name} {url}: {_describe(key, method, response)} (may write)"
        )


def _refused_as_expected(route: Route, case: Case, key: str, response) -> bool:
    status = response.status_code
    special = dict(case.special)
    if key in special:
        return status == special[key]
    if key == ANON and key not in case.seen_by:
        return _anonymous_refusal(route, response)
    if key not in case.seen_by:
        return status in DENIED | {405}
    if case.write is None or key in case.ignores_post:
        return status in {200, 302, 405}
    if case.state_first and status in {302, 400}:
        # "not in this state", to whoever could act in another (a page's message, the API's
        # 400); nothing changed (asserted below)
        return True
    return status in DENIED | {405}


def _read_as_expected(route, case, key, response, world, wrong) -> bool:
    status = response.status_code
    special = dict(case.special)
    if key in special:
        return status == special[key]
    if key == ANON and key not in case.read:
        return _anonymous_refusal(route, response)
    if case.post_only or not route.reads:
        # Nothing to read here; the API asks the permission module first, then says 405.
        return status == 405 or (route.is_api and status in DENIED)
    if key not in case.read:
        return status in DENIED
    if status != 200:
        return False
    if case.listed:
        listed = _lists(response, world.identity(case.listed))
        if listed != (key in case.lists):
            wrong.append(f"{key} lists {case.listed}: {listed}, expected {not listed}")
    return True


# Objects named in the payload rather than the URL --------------------------------------------


def test_marking_read_touches_only_ones_own_notifications(world, clients):
    note = world.objects["notification_ent_xa"]
    response = clients["ent_ak"].post(reverse("portal:inbox_mark_read"), {"id": [note.pk]})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.read_at is None
    clients["ent_xa"].post(reverse("portal:inbox_mark_read"), {"id": [note.pk]})
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_conversion_is_not_recorded_on_another_pools_patent(world, clients):
    from patents.models import Conversion

    before = Conversion.objects.count()
    payload = {
        "patent": world.objects["patent_xa"].pk,
        "kind": "transfer",
        "counterparty_name": "某公司",
        "starts_on": "2025-01-01",
    }
    response = clients["uni_ak"].post(
        "/api/v1/conversions/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 404
    assert Conversion.objects.count() == before


def test_a_progress_report_is_not_filed_for_another_organisations_project(world, clients):
    from projects.models import ProgressReport

    before = ProgressReport.objects.count()
    payload = {
        "application": world.objects["app_project"].pk,
        "kind": "progress",
        "narrative": "冒名填报",
        "actuals": {"transfers_in": "1"},
    }
    response = clients["ent_xa"].post(
        "/api/v1/progress-reports/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 400 and "application" in response.json()["errors"]
    assert ProgressReport.objects.count() == before


def test_a_city_does_not_open_a_return_for_another_city(world, clients):
    from reporting.models import ReturnForm, StatReturn

    before = StatReturn.objects.count()
    payload = {"form": "QUARTERLY", "region": "610900", "period": "2025Q3"}
    response = clients["city_xa"].post(
        "/api/v1/returns/", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 403
    form = ReturnForm.objects.get(code="QUARTERLY")
    page = clients["city_xa"].post(
        reverse("reporting:return_open"),
        {"form": form.pk, "region": world.objects["region_ak"].pk, "period": "2025Q3"},
    )
    assert page.status_code == 302
    assert StatReturn.objects.count() == before


@pytest.mark.parametrize(
    ("actor", "target", "data"),
    [
        ("sec1", "sec1", {"action": "role", "role": "audit_admin"}),  # one's own role
        ("sys1", "ent_ak", {"action": "role", "role": "reviewer"}),  # roles are security's
        ("sec1", "ent_ak", {"action": "details", "email": "x@example.invalid"}),  # … details not
        ("sys1", "sys1", {"action": "details", "email": "x@example.invalid"}),  # nor one's own
    ],
)
def test_the_three_administrators_stay_apart(world, clients, actor, target, data):
    """三员分立: the system admin manages accounts, the security admin roles, neither on their
    own account (portal/permissions.py: user.manage, role.assign)."""
    user = world.users[target]
    before = (user.role, user.email)
    response = clients[actor].post(reverse("portal:user_edit", args=[user.pk]), data)
    assert response.status_code == 403
    user.refresh_from_db()
    assert (user.role, user.email) == before


def test_a_security_admin_does_not_reset_their_own_second_factor(world, clients):
    own = world.users["sec1"]
    response = clients["sec1"].post(reverse("portal:otp_reset", args=[own.pk]))
    assert response.status_code == 403
