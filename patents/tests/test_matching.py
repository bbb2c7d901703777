"""Matching on a small labelled set: the right patent comes first, with its reasons; stored
suggestions are pushed once; enterprises see only their own."""

import pytest

from patents import matching, services
from patents.models import Match, Patent, TechNeed
from patents.tests.labelled import NEEDS, PATENTS
from portal.models import Notification, Organisation
from portal.tests.factories import ApplicantFactory, OrganisationFactory


def documents():
    patents = [matching.document(*row) for row in PATENTS]
    needs = [matching.document(key, t, d, i, ipc) for key, t, d, i, ipc, _right in NEEDS]
    matching.weigh([*patents, *needs])
    return patents, needs


def test_segmentation_keeps_meaning_and_drops_patent_boilerplate():
    words = matching.terms("一种富硒茶叶的低温萃取方法及其装置")
    assert {"富", "硒", "茶叶", "低温", "萃取"} <= set(words)
    assert not {"一种", "方法", "及其", "装置", "的"} & set(words)


@pytest.mark.parametrize(("key", "right"), [(n[0], n[5]) for n in NEEDS])
def test_the_right_patent_ranks_first(key, right):
    patents, needs = documents()
    need = next(n for n in needs if n.key == key)
    suggestions = matching.best(need, patents)
    assert suggestions[0].patent in right
    assert suggestions[0].shared_terms  # it says why


def test_a_suggestion_explains_itself():
    patents, needs = documents()
    lithium = next(n for n in needs if n.key == 104)
    top = matching.best(lithium, patents)[0]
    assert top.patent == 10 and top.same_industry and top.ipc_overlap == "H01M4"
    assert "负极" in top.shared_terms


def test_ipc_main_group_and_subclass():
    assert matching.ipc_keys("G06F16/35；H04L9/32") == ({"G06F16", "H04L9"}, {"G06F", "H04L"})
    assert matching.ipc_keys("C22C") == (set(), {"C22C"})
    assert matching.ipc_keys("H01M4, H01M 10/054") == ({"H01M4", "H01M10"}, {"H01M"})


@pytest.mark.django_db
def test_matches_are_stored_pushed_once_and_seen_only_by_their_enterprise(
    django_capture_on_commit_callbacks,
):
    from datetime import date

    university = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    for key, title, abstract, industry, ipc in PATENTS:
        Patent.objects.create(
            number=f"20211{key:07d}.0", title=title, abstract=abstract, industry=industry,
            ipc=ipc, kind=Patent.Kind.INVENTION, status=Patent.Status.VALID,
            filed_on=date(2021, 1, 1), owner=university,
        )  # fmt: skip
    enterprise = ApplicantFactory()
    with django_capture_on_commit_callbacks(execute=True):
        need = services.need_create(
            actor=enterprise,
            data={"title": NEEDS[3][1], "description": NEEDS[3][2], "industry": "04",
                  "ipc": "H01M4/38", "cooperation": TechNeed.Cooperation.LICENCE},
        )  # fmt: skip
    matches = list(Match.objects.filter(need=need).select_related("patent"))
    assert matches[0].rank == 1 and matches[0].patent.title == "锂离子电池硅碳负极材料"
    assert all(m.notified_at for m in matches)
    assert Notification.objects.filter(recipient=enterprise, event="patent.match.new").count() == 1
    # Matching again finds nothing new and pushes nothing more.
    assert services.needs_match(need_ids=[need.pk]) == 0
    assert Notification.objects.filter(recipient=enterprise, event="patent.match.new").count() == 1
    from portal import permissions

    other = ApplicantFactory()
    assert not permissions.scope(other, "patent.need.view", TechNeed.objects.all()).exists()
    assert permissions.scope(enterprise, "patent.need.view", TechNeed.objects.all()).get() == need
