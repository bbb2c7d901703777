import time

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting import demo

pytestmark = pytest.mark.django_db


def test_probe(client, leader, ankang, reviewer, seeded):
    t = time.time()
    n = demo.load()
    print("load", n, time.time() - t)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(leader)
    for url in (
        reverse("reporting:dashboard"),
        reverse("reporting:dashboard_region", args=["610900"]),
        reverse("reporting:dashboard_region", args=["610100"]),
        reverse("reporting:dashboard_region", args=["610900"]) + "?period=2024Q2",
        reverse("reporting:dashboard") + "?view=table",
    ):
        with CaptureQueriesContext(connection) as ctx:
            r = client.get(url)
        print(
            url,
            r.status_code,
            len(ctx.captured_queries),
            r.content.decode().count('data-testid="target-card"'),
        )
    client.force_login(ankang)
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(reverse("reporting:dashboard"))
    print("ankang", r.status_code, len(ctx.captured_queries))
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(reverse("reporting:return_list"))
    print("list", r.status_code, len(ctx.captured_queries))
    for q in ctx.captured_queries:
        print("  ", q["sql"][:200])
