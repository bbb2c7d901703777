"""The default UI is Simplified Chinese: every string has a translation, compiled and in use."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from portal.factories import UserFactory
from portal.models import Role

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_every_source_string_is_translated_into_chinese():
    catalogue = polib.pofile(str(CATALOGUE))
    missing = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not missing, f"untranslated: {missing[:10]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:10]}"


def test_compiled_catalogue_matches_the_po_file():
    catalogue = polib.pofile(str(CATALOGUE))
    with translation.override("zh-hans"):
        stale = [
            entry.msgid
            for entry in catalogue.translated_entries()
            if not entry.msgid_plural
            and not entry.msgctxt
            and translation.gettext(entry.msgid) != entry.msgstr
        ]
    assert not stale, f"run `make messages`: the .mo file is out of date for {stale[:5]}"


@pytest.mark.django_db
def test_pages_are_chinese_by_default_and_english_on_request(client):
    client.force_login(UserFactory(role=Role.REVIEWER))
    # Chinese even for a browser that prefers English: English only through the switcher.
    chinese = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert 'lang="zh-hans"' in chinese and "陕西省专利转化运用项目管理平台" in chinese
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("portal:home")).content.decode()
    assert 'lang="en"' in english and "Shaanxi Patent Conversion Portal" in english
