"""Rate limits (portal/ratelimits.py): the request after the Nth in the window gets 429 with a
clear message. Logins and registrations per client address; every upload and every export
endpoint per user (the upload and export paths are those of upload_paths.py and export_paths.py,
which test_uploads and test_exports use too)."""

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from portal.factories import UserFactory
from portal.tests.export_paths import EXPORTS
from portal.tests.upload_paths import PATHS, post

pytestmark = pytest.mark.django_db

TOO_MANY = "Too many requests in a short time"
# Rates here are per day: django-ratelimit counts in fixed windows, and a test straddling the
# end of a one-minute window would see its count start again.


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    with translation.override("en"):
        yield


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def refused(response) -> bool:
    return response.status_code == 429 and TOO_MANY in response.content.decode()


def test_logins_are_limited_per_client_address(client, settings):
    settings.RATELIMIT_LOGIN = "3/d"
    url = reverse("portal:login")
    for attempt in range(3):
        response = client.post(url, {"username": f"nobody{attempt}", "password": "wrong"})
        assert response.status_code == 200, attempt  # the form again, with its error
    assert refused(client.post(url, {"username": "nobody9", "password": "wrong"}))
    # Showing the form is not an attempt; another address is counted on its own.
    assert client.get(url).status_code == 200
    other = client.post(url, {"username": "x", "password": "y"}, REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 200


def test_a_correct_password_is_refused_too_once_over_the_limit(client, settings):
    settings.RATELIMIT_LOGIN = "1/d"
    user = UserFactory()
    url = reverse("portal:login")
    client.post(url, {"username": user.username, "password": "wrong"})
    response = client.post(url, {"username": user.username, "password": "Pass-word-2025"})
    assert refused(response)
    assert "_auth_user_id" not in client.session


def test_registrations_are_limited_per_client_address(client, settings):
    settings.RATELIMIT_REGISTER = "2/d"
    url = reverse("portal:register")
    for _attempt in range(2):
        assert client.post(url, {"username": "x"}).status_code == 200  # invalid: the form again
    assert refused(client.post(url, {"username": "x"}))
    assert client.post(url, {"username": "x"}, REMOTE_ADDR="10.9.9.9").status_code == 200


@pytest.mark.parametrize(("path", "setup", "suffix", "_limit"), PATHS, ids=[p[0] for p in PATHS])
def test_every_upload_endpoint_is_limited_per_user(client, settings, path, setup, suffix, _limit):
    settings.RATELIMIT_UPLOAD = "2/d"
    target = setup(client)
    for attempt in range(2):
        response = post(target, f"a{suffix}", b"not a real file", "application/pdf")
        assert response.status_code != 429, attempt
    response = post(target, f"a{suffix}", b"not a real file", "application/pdf")
    assert response.status_code == 429
    if target.api:
        assert TOO_MANY in response.json()["detail"]
    else:
        assert TOO_MANY in response.content.decode()


@pytest.mark.parametrize(("export", "setup"), EXPORTS, ids=[e[0] for e in EXPORTS])
def test_every_export_endpoint_is_limited_per_user(
    client, settings, django_capture_on_commit_callbacks, export, setup
):
    first = setup(client, django_capture_on_commit_callbacks)  # made under the default rate
    assert first.status_code == 200
    request = first.request
    again = {"path": request["PATH_INFO"], "data": request.get("QUERY_STRING", "")}
    settings.RATELIMIT_EXPORT = "1/d"
    cache.clear()

    def repeat():
        return client.generic(request["REQUEST_METHOD"], f"{again['path']}?{again['data']}")

    assert repeat().status_code == 200
    assert refused(repeat())


def test_the_limit_is_per_user_for_uploads(client, settings):
    settings.RATELIMIT_UPLOAD = "1/d"
    setup = {p[0]: p[1] for p in PATHS}["projects-attachment-page"]
    first = setup(client)
    first.client.post(first.url, {"files": SimpleUploadedFile("a.pdf", b"x")})
    assert refused(first.client.post(first.url, {"files": SimpleUploadedFile("a.pdf", b"x")}))
    second = setup(client)  # another applicant, logged in on the same client
    response = second.client.post(second.url, {"files": SimpleUploadedFile("a.pdf", b"x")})
    assert response.status_code == 302


def test_behind_the_proxy_the_address_it_appended_is_counted(client, settings):
    """A client cannot dodge the login limit by sending X-Forwarded-For values of its own: the
    trusted proxy appends the real address last, and that is the one counted."""
    settings.TRUST_X_FORWARDED_FOR = True
    settings.RATELIMIT_LOGIN = "2/d"
    url = reverse("portal:login")
    for forged in ("1.1.1.1", "2.2.2.2"):
        response = client.post(url, {"username": "x", "password": "y"},
                               HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.7")  # fmt: skip
        assert response.status_code == 200
    third = client.post(url, {"username": "x", "password": "y"},
                        HTTP_X_FORWARDED_FOR="3.3.3.3, 203.0.113.7")  # fmt: skip
    assert refused(third)
    other = client.post(url, {"username": "x", "password": "y"},
                        HTTP_X_FORWARDED_FOR="203.0.113.8")  # fmt: skip
    assert other.status_code == 200


def test_a_request_without_an_address_is_still_counted(rf, settings):
    from portal.ratelimits import client_ip

    request = rf.get("/", REMOTE_ADDR="")
    assert client_ip(request) == "0.0.0.0"  # noqa: S104
    settings.TRUST_X_FORWARDED_FOR = True
    assert client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="not-an-ip")) == "0.0.0.0"  # noqa: S104
