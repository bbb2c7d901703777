"""HTTP hardening: `check --deploy` clean under production settings, HTTPS with HSTS (but the
container health check still answers over plain HTTP), and error pages that say what happened
without a traceback or the exception's text."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path
from django.utils import translation

import config.urls

ROOT = Path(__file__).resolve().parent.parent.parent
SECRET = "Tr4ceback-SECRET-detail-that-must-not-leak"


def production_env(tmp_path, **extra) -> dict[str, str]:
    """What a production container has: DEBUG off, a long random key, hosts, Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        # What this test process may have set (the browser tests allow async-unsafe calls).
        if not key.startswith(
            ("DEBUG", "SECURE_", "SECRET_KEY", "ALLOWED_HOSTS", "REDIS_", "DJANGO_ALLOW_ASYNC")
        )
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="portal.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://portal.example.gov.cn",
        REDIS_CACHE_URL="redis://127.0.0.1:6379/13",
        VAR_DIR=str(tmp_path),
    )
    env.update(extra)
    return env


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    result = deploy_check(production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("extra", "warning"),
    [
        ({"SECURE_HSTS_SECONDS": "0"}, "security.W004"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
        ({"SECURE_COOKIES": "0"}, "security.W012"),
        ({"REDIS_CACHE_URL": ""}, "portal.W002"),
    ],
)
def test_check_deploy_notices_each_control_turned_off(tmp_path, extra, warning):
    """The clean check above is not vacuous: turn one control off and it says so."""
    result = deploy_check(production_env(tmp_path, **extra))
    assert result.returncode != 0
    assert warning in result.stdout + result.stderr


def test_production_settings_values(settings):
    """What the deploy check relies on, read from the environment by config/settings.py."""
    assert settings.SECURE_HSTS_SECONDS >= 31536000
    assert settings.SECURE_HSTS_INCLUDE_SUBDOMAINS and settings.SECURE_HSTS_PRELOAD
    assert settings.X_FRAME_OPTIONS == "DENY" and settings.SECURE_CONTENT_TYPE_NOSNIFF
    assert settings.SECURE_REFERRER_POLICY in {"same-origin", "no-referrer", "strict-origin"}
    assert settings.SECURE_CROSS_ORIGIN_OPENER_POLICY == "same-origin"


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_except_the_health_check(client, settings):
    settings.SECURE_SSL_REDIRECT = True  # the production default (tests turn it off)
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"
    health = client.get("/healthz")
    assert health.status_code in {200, 503}  # answered, not redirected
    secure = client.get("/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert secure["X-Frame-Options"] == "DENY"
    assert secure["X-Content-Type-Options"] == "nosniff"
    assert secure["Referrer-Policy"] == "same-origin"
    assert secure["Cross-Origin-Opener-Policy"] == "same-origin"


def test_behind_the_tls_proxy_forwarded_https_is_not_redirected_again(client, settings, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200


# Error pages ----------------------------------------------------------------------------------


def boom(request):
    raise RuntimeError(SECRET)


def fine(request):
    return HttpResponse("ok")


urlpatterns = [
    path("boom/", boom),
    path("api/v1/boom/", boom),
    path("fine/", fine),
    *config.urls.urlpatterns,
]
handler400 = config.urls.handler400
handler500 = config.urls.handler500


@pytest.fixture
def raising_client(client):
    client.raise_request_exception = False
    return client


@pytest.mark.urls("portal.tests.test_http_security")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_server_error_shows_no_traceback_or_exception_text(
    raising_client, settings, db, language
):
    settings.DEBUG = False
    raising_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = raising_client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    for leak in (SECRET, "RuntimeError", "Traceback", 'File "', "boom", "settings"):
        assert leak not in body, leak
    with translation.override(language):
        assert translation.gettext("Something went wrong") in body

    api = raising_client.get("/api/v1/boom/")
    assert api.status_code == 500
    assert list(api.json()) == ["detail"]
    assert SECRET not in api.content.decode() and "RuntimeError" not in api.content.decode()


@pytest.mark.urls("portal.tests.test_http_security")
def test_the_500_page_renders_without_a_request():
    """Django renders 500.html when the request may be what failed: no context processors."""
    from django.template import loader

    body = loader.get_template("500.html").render()
    assert "Traceback" not in body and "<html" in body


@pytest.mark.urls("portal.tests.test_http_security")
def test_a_bad_request_and_an_unknown_page_are_plain_pages(raising_client, settings, db):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]
    raising_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    bad = raising_client.get("/fine/", headers={"Host": "evil.example"})  # DisallowedHost
    assert bad.status_code == 400
    assert "Bad request" in bad.content.decode() and "DisallowedHost" not in bad.content.decode()
    missing = raising_client.get("/no/such/page/")
    assert missing.status_code == 404 and "Not found" in missing.content.decode()


@override_settings(DEBUG=False)
def test_every_error_template_exists():
    from django.template import loader

    for code in (400, 403, 404, 413, 429, 500):
        assert loader.get_template(f"{code}.html")
