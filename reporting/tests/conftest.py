"""Fixtures shared by the reporting tests.

The statistics set-up (data elements, the quarterly form, rules, indicators, targets) is seeded by
migration 0002, so every database test has it; `seeded` re-applies it after a transactional
test's flush. PERIOD (the period tests report for) is in reporting/factories.py; the helpers that
fill in and upload a return are in helpers.py.
"""

import pytest
from django.utils import translation

from portal.factories import CityAgencyFactory, UserFactory
from portal.models import Region, RegionCodeAlias, Role
from portal.seeds import seed_regions
from reporting import services
from reporting.factories import PERIOD
from reporting.models import DataElement, Indicator, ReturnForm, Target, ValidationRule
from reporting.seeds import seed_reporting


@pytest.fixture(autouse=True)
def _english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def seeded(db):
    seed_regions(Region, RegionCodeAlias)
    seed_reporting(DataElement, ReturnForm, ValidationRule, Indicator, Target, Region)
    return ReturnForm.objects.get(code="QUARTERLY")


@pytest.fixture
def form(seeded):
    return seeded


@pytest.fixture
def ankang(db):
    """The city agency of 安康市."""
    return CityAgencyFactory(username="ankang-agency")


@pytest.fixture
def xian(db):
    """The city agency of 西安市: must never see Ankang's returns."""
    return CityAgencyFactory(username="xian-agency", region=Region.objects.get(code="610100"))


@pytest.fixture
def reviewer(db):
    return UserFactory(username="bureau-reviewer", role=Role.REVIEWER)


@pytest.fixture
def leader(db):
    return UserFactory(username="province-leader", role=Role.LEADER)


@pytest.fixture
def ret(ankang, form):
    """Ankang's draft return for PERIOD, opened by its city agency."""
    return services.return_open(
        actor=ankang, form=form, region=Region.objects.get(code="610900"), period=PERIOD
    )
