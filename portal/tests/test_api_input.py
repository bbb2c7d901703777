"""Every write endpoint of the REST API answers garbage with a 4xx, never a 500.

The endpoints are read from the router (config/urls.py), their request bodies from the OpenAPI
schema drf-spectacular makes of the serializers. Each endpoint is posted (POST, PUT, PATCH) by
every role allowed to write through it (those a first, empty request does not refuse), first a
plausible body, then that body with one field at a time replaced by garbage: wrong types, huge
and negative numbers, 10,000-character strings, nested junk, impossible dates, ids that do not
exist; and whole bodies that are not objects. Any 500 (or exception) is a failure, listed with the
request that caused it.

The world is the access matrix's (tests/access_world.py): every role with objects of its own.
"""

import json
import re
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from config.urls import router
from tests.access_world import ACTOR_KEYS, World, build

PLACEHOLDER = "987654321"
WRITE_METHODS = ("post", "put", "patch")
NOT_ALLOWED = {401, 403, 404, 405}
LONG = "长" * 10_000
# The message of portal.api.exception_handler for a DataError.
UNVALIDATED = "A value is too long, too large or holds characters that cannot be stored."
JUNK = {"nested": {"junk": [None, {"deeper": [1, "x", {}]}], "n": 10**30}}


def _routes() -> list[tuple[str, str, str, bool, str]]:
    """(id, method, url name, detail, lookup kwarg) for every write route of the router."""
    found = []
    for _prefix, viewset, basename in router.registry:
        # A plain ViewSet (no queryset) has neither attribute: its detail routes use "pk".
        kwarg, field = (getattr(viewset, a, None) for a in ("lookup_url_kwarg", "lookup_field"))
        lookup = kwarg or field or "pk"
        for route in router.get_routes(viewset):
            for method, action in route.mapping.items():
                if method in WRITE_METHODS and hasattr(viewset, action):
                    name = route.name.format(basename=basename)
                    found.append((f"{method.upper()} {name}", method, name, route.detail, lookup))
    return found


ROUTES = _routes()


# Garbage ----------------------------------------------------------------------------------------


def garbage(prop: dict) -> list[Any]:
    """Values of the wrong type or range for a property of this schema."""
    kind, fmt = prop.get("type"), prop.get("format")
    if fmt in {"date", "date-time"}:
        return ["2025-13-45", "0000-00-00", 20250101, LONG, ["2025-01-01"]]
    if fmt == "decimal" or (kind == "string" and "pattern" in prop and "\\d" in prop["pattern"]):
        return ["abc", "-1", "-99999999999999999999.99", "1e400", "NaN", "9" * 60, JUNK]
    if kind == "integer":
        return ["abc", -1, 10**30, 999_999_999, 1.5, [1], JUNK]
    if kind == "number":
        return ["abc", -1, 1e308, "Infinity", JUNK]
    if kind == "boolean":
        return ["maybe", 2, JUNK]
    if kind == "array":
        return ["not a list", [None], [JUNK], [10**30], [LONG] * 50, JUNK]
    if kind == "object":
        return ["not an object", [1, 2], JUNK, 10**30]
    return [LONG, 12345, [LONG], JUNK, "\x00", "-1", None]


def plausible(prop: dict) -> Any:
    if prop.get("enum"):
        return next((v for v in prop["enum"] if v not in (None, "")), prop["enum"][0])
    kind, fmt = prop.get("type"), prop.get("format")
    if fmt == "date":
        return "2025-06-30"
    if fmt == "date-time":
        return "2025-06-30T10:00:00+08:00"
    if fmt == "decimal":
        return "1.00"
    if fmt == "binary":
        return "not a file"
    return {"integer": 1, "number": 1, "boolean": True, "array": [], "object": {}}.get(kind, "x")


class Schema:
    """The request body properties of each (method, path) in the OpenAPI schema."""

    def __init__(self):
        self.schema = SchemaGenerator().get_schema(request=None, public=True)
        self.paths = {
            re.sub(r"\{[^}]+\}", PLACEHOLDER, path): operations
            for path, operations in self.schema["paths"].items()
        }

    def resolve(self, node: dict) -> dict:
        while "$ref" in node:
            node = self.schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        if "allOf" in node:
            merged: dict = {"properties": {}}
            for part in node["allOf"]:
                merged["properties"].update(self.resolve(part).get("properties", {}))
            return merged
        if "oneOf" in node:
            return self.resolve(node["oneOf"][0])
        return node

    def properties(self, method: str, template: str) -> tuple[dict[str, dict], bool]:
        """The writable properties, and whether the body is multipart."""
        operation = self.paths.get(template, {}).get(method, {})
        content = operation.get("requestBody", {}).get("content", {})
        multipart = "application/json" not in content and "multipart/form-data" in content
        media = content.get("application/json") or content.get("multipart/form-data") or {}
        body = self.resolve(media.get("schema", {})) if media else {}
        properties = {}
        for name, prop in body.get("properties", {}).items():
            prop = self.resolve(prop) if "$ref" in prop or "allOf" in prop else prop
            if not prop.get("readOnly"):
                properties[name] = prop
        return properties, multipart


def bodies(properties: dict[str, dict]) -> list[tuple[str, Any]]:
    base = {name: plausible(prop) for name, prop in properties.items()}
    made: list[tuple[str, Any]] = [("plausible", base)]
    for name, prop in properties.items():
        for value in garbage(prop):
            made.append((f"{name}={str(value)[:40]!r}", {**base, name: value}))
    made += [("list body", [base]), ("string body", "garbage"), ("null body", None),
             ("junk body", JUNK)]  # fmt: skip
    return made


# The world --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, media) -> World:
    """Built once, in a transaction rolled back after the module's last test."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield built
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> Schema:
    with django_db_blocker.unblock():
        return Schema()


def candidates(api: APIClient, name: str, lookup: str) -> list[str]:
    """Objects the user sees, for a detail route: the first few its list shows."""
    basename = next(b for _p, _v, b in router.registry if name.startswith(f"{b}-"))
    try:
        listing = api.get(reverse(f"{basename}-list"))
    except Exception:  # no list route, or it fails (the access matrix tests reads)
        return [PLACEHOLDER]
    data = listing.json() if listing.status_code == 200 else []
    rows = data.get("results", data) if isinstance(data, dict) else data
    key = "id" if lookup == "pk" else lookup
    found = [str(row[key]) for row in rows if isinstance(row, dict) and key in row][:8]
    return found or [PLACEHOLDER]


def send(api: APIClient, method: str, url: str, body: Any, multipart: bool):
    if multipart and isinstance(body, dict):
        flat = {k: json.dumps(v) if isinstance(v, (dict, list)) else v for k, v in body.items()}
        flat = {k: "" if v is None else v for k, v in flat.items()}
        return getattr(api, method)(url, flat, format="multipart")
    return getattr(api, method)(url, json.dumps(body), content_type="application/json")


@pytest.mark.parametrize(
    ("route", "method", "name", "detail", "lookup"), ROUTES, ids=[r[0] for r in ROUTES]
)
def test_garbage_is_a_client_error_never_a_server_error(
    db, settings, world, schema, route, method, name, detail, lookup
):
    failures, exercised = [], 0
    template = reverse(name, kwargs={lookup: PLACEHOLDER} if detail else {})
    properties, multipart = schema.properties(method, template)

    def attempt(api, url, label, body) -> int | None:
        try:
            with transaction.atomic():  # each request's writes are undone after it
                response = send(api, method, url, body, multipart)
                transaction.set_rollback(True)
        except Exception as error:  # the failure being looked for
            failures.append(f"{method.upper()} {url} [{label}]: {error!r}"[:300])
            return None
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {url} [{label}]: {response.status_code}")
        elif UNVALIDATED in response.content.decode(errors="replace"):
            # Answered 400 only by the exception handler's last line of defence: the value
            # reached the database, no field checked it.
            failures.append(f"{method.upper()} {url} [{label}]: not validated by its field")
        return response.status_code

    for key in ACTOR_KEYS:
        api = APIClient()
        api.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        api.force_authenticate(world.users[key])
        # The first object (of the user's) an empty request is not refused on: the user may
        # write through this endpoint, on this object, in its present state.
        pks = candidates(api, name, lookup) if detail else []
        urls = [reverse(name, kwargs={lookup: pk}) for pk in pks] if detail else [template]
        url = next((u for u in urls if attempt(api, u, f"{key} empty", {}) not in NOT_ALLOWED),
                   None)  # fmt: skip
        if url is None:
            continue
        for label, body in bodies(properties):
            attempt(api, url, f"{key} {label}", body)
            exercised += 1
    assert not failures, "\n".join(failures)
    assert exercised, f"no role of the world may write through {route}: nothing was tested"


def test_a_value_the_database_refuses_is_a_client_error():
    """The last line of defence: a DataError (a value some field let through that the column
    cannot hold) is answered 400 in the API's error shape, not 500."""
    from django.db import DataError

    from portal.api import exception_handler

    response = exception_handler(DataError("value too long for type character varying(10)"), {})
    assert response.status_code == 400
    assert response.data["detail"] == "invalid"
    assert "varying" not in str(response.data)
