"""The container deployment files agree with each other and with config/settings.py.

Plain file checks: no Docker engine and no database are needed.
"""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
SETTINGS = ROOT / "config" / "settings.py"

SETTINGS_VARIABLE = re.compile(
    r"""(?:os\.environ\.get|os\.getenv|env_bool|env_list|env_int)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
    r"""|os\.environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
)
ENV_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=", re.MULTILINE)


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def settings_variables() -> set[str]:
    source = SETTINGS.read_text(encoding="utf-8")
    return {a or b for a, b in SETTINGS_VARIABLE.findall(source)}


def env_example_variables() -> set[str]:
    return set(ENV_ASSIGNMENT.findall(ENV_EXAMPLE.read_text(encoding="utf-8")))


def named_volumes(service: dict) -> set[str]:
    """Names of the named volumes a service mounts (bind mounts and anonymous ones excluded)."""
    names = set()
    for volume in service.get("volumes", []):
        source = volume.get("source", "") if isinstance(volume, dict) else volume.split(":")[0]
        if isinstance(volume, dict) and volume.get("type", "volume") != "volume":
            continue
        if source and not source.startswith((".", "/", "~", "$")):
            names.add(source)
    return names


def depends_on(service: dict) -> dict[str, str]:
    """depends_on as {service: condition}; the short list form means service_started."""
    value = service.get("depends_on", {})
    if isinstance(value, list):
        return dict.fromkeys(value, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in value.items()}


def test_compose_has_no_version_key(compose):
    assert "version" not in compose


def test_compose_services(compose):
    assert {"db", "redis", "web", "worker", "beat"} <= set(compose["services"])


def test_service_images(compose):
    services = compose["services"]
    assert str(services["db"]["image"]).startswith("postgres:16")
    assert str(services["redis"]["image"]).startswith("redis:7")


def test_application_services_share_one_build(compose):
    services = compose["services"]
    for name in ("web", "worker", "beat"):
        assert services[name].get("build") == ".", name
    assert len({services[name].get("image") for name in ("web", "worker", "beat")}) == 1


@pytest.mark.parametrize("name", ["db", "redis", "web", "worker"])
def test_service_has_healthcheck(compose, name):
    healthcheck = compose["services"][name].get("healthcheck")
    assert healthcheck, f"{name} has no healthcheck"
    assert not healthcheck.get("disable", False)
    assert healthcheck.get("test"), f"{name} healthcheck has no test"


def test_web_waits_for_healthy_db_and_redis(compose):
    conditions = depends_on(compose["services"]["web"])
    assert conditions.get("db") == "service_healthy"
    assert conditions.get("redis") == "service_healthy"


def test_web_healthcheck_uses_healthz(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]
    assert "/healthz" in (test if isinstance(test, str) else " ".join(test))


@pytest.mark.parametrize("name", ["db", "redis"])
def test_named_volumes_are_declared(compose, name):
    used = named_volumes(compose["services"][name])
    assert used, f"{name} keeps its data in no named volume"
    assert used <= set(compose.get("volumes") or {})


def test_every_named_volume_is_declared(compose):
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        assert named_volumes(service) <= declared, name


def test_compose_requires_secret_key(compose):
    for name in ("web", "worker", "beat"):
        environment = compose["services"][name]["environment"]
        assert str(environment["SECRET_KEY"]).startswith("${SECRET_KEY:?"), name


def test_compose_passes_only_variables_settings_reads(compose):
    """A typo in the shared environment would silently leave a setting at its default."""
    environment = compose["services"]["web"]["environment"]
    assert set(environment) <= settings_variables()


def test_dockerfile():
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert "gunicorn" in text
    assert "collectstatic" in text
    users = re.findall(r"^\s*USER\s+(\S+)", text, re.MULTILINE | re.IGNORECASE)
    assert users, "the Dockerfile never switches to a non-root USER"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_env_example_lists_every_settings_variable():
    read = settings_variables()
    assert {"SECRET_KEY", "DEBUG", "DATABASE_URL", "CELERY_BROKER_URL"} <= read  # regex sanity
    missing = read - env_example_variables()
    assert not missing, f".env.example lacks {sorted(missing)}"
