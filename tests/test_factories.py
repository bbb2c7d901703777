"""Every app's factories build rows the models accept as they are (`full_clean`), so a test that
uses one starts from a valid row, and a factory left behind by a model change fails here first."""

import pytest

from exchange.factories import MappingFactory, RunFactory
from incentives.factories import BudgetFactory, ClaimFactory, PolicyFactory
from patents.factories import MatchFactory, PatentFactory, TechNeedFactory
from portal.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    QualificationFactory,
    UserFactory,
)
from reporting.factories import StatReturnFactory

pytestmark = pytest.mark.django_db

FACTORIES = [
    OrganisationFactory,
    UserFactory,
    ApplicantFactory,
    CityAgencyFactory,
    QualificationFactory,
    PatentFactory,
    TechNeedFactory,
    MatchFactory,
    PolicyFactory,
    BudgetFactory,
    ClaimFactory,
    StatReturnFactory,
    MappingFactory,
    RunFactory,
]


@pytest.mark.parametrize("factory", FACTORIES, ids=[f.__name__ for f in FACTORIES])
def test_a_factory_builds_a_valid_row(factory):
    made = factory()
    made.full_clean()
    assert type(made).objects.filter(pk=made.pk).exists()


def test_an_approved_return_keeps_its_figures():
    approved = StatReturnFactory(values={"VALID_INVENTION": 352})
    assert approved.status == approved.Status.APPROVED
    assert approved.snapshot == {"VALID_INVENTION": {"value": "352", "comment": ""}}
    assert StatReturnFactory(period="2025Q1").snapshot is None
