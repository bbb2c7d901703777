"""The capability apps are installed and mounted; their own tests/ grow with their issues."""

import pytest
from django.apps import apps
from django.urls import get_resolver

CAPABILITY_APPS = ["projects", "patents", "incentives", "reporting", "exchange"]


@pytest.mark.parametrize("app", CAPABILITY_APPS)
def test_app_is_installed_and_mounted_under_its_prefix(app):
    assert apps.get_app_config(app).name == app
    mounted = {
        str(pattern.pattern): pattern.urlconf_module.__name__
        for pattern in get_resolver().url_patterns
        if hasattr(pattern, "urlconf_module") and hasattr(pattern.urlconf_module, "__name__")
    }
    assert mounted.get(f"{app}/") == f"{app}.urls"
