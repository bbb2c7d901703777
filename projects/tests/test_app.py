from django.apps import apps
from django.urls import get_resolver


def test_app_is_installed_and_mounted_under_its_prefix():
    assert apps.get_app_config("projects").name == "projects"
    mounted = {
        str(pattern.pattern): pattern.urlconf_module.__name__
        for pattern in get_resolver().url_patterns
        if hasattr(pattern, "urlconf_module") and hasattr(pattern.urlconf_module, "__name__")
    }
    assert mounted.get("projects/") == "projects.urls"
