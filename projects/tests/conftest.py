"""Fixtures shared by the projects tests."""

import pytest
from django.utils import translation

from projects import factories as f


@pytest.fixture(autouse=True)
def _english_messages():
    """Services' messages are asserted in their source language. (Pages and the API still answer
    in the language the request asks for: the middleware activates it per request.)"""
    with translation.override("en"):
        yield


@pytest.fixture
def rev(db):
    return f.reviewer()


@pytest.fixture
def call(rev):
    """A call open since yesterday with all six categories, 500万元 each."""
    return f.open_call(rev)
