"""The matching index follows the database: built once, reused while the pool is unchanged,
patched for the patents that changed (only those are segmented again), saved for the next
process. And the suggestions of many needs are stored in bulk: a second run writes nothing new
and its queries do not grow with the number of needs."""

from datetime import date, timedelta

import pytest

from patents import matching, pool_index, services
from patents.models import Match, Patent, TechNeed
from patents.tests.labelled import NEEDS, PATENTS
from portal.factories import ApplicantFactory, OrganisationFactory
from portal.models import Notification, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_index(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    pool_index.forget()
    yield
    pool_index.forget()


@pytest.fixture
def segmented(monkeypatch):
    """The keys of the documents segmented since the fixture started."""
    keys = []
    original = matching.document

    def counting(key, *args, **kwargs):
        keys.append(key)
        return original(key, *args, **kwargs)

    monkeypatch.setattr(matching, "document", counting)
    return keys


@pytest.fixture
def pool():
    university = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    return {
        key: Patent.objects.create(
            number=f"20211{key:07d}.0", title=title, abstract=abstract, industry=industry,
            ipc=ipc, kind=Patent.Kind.INVENTION, status=Patent.Status.VALID,
            filed_on=date(2021, 1, 1), owner=university,
        )
        for key, title, abstract, industry, ipc in PATENTS
    }  # fmt: skip


def test_built_once_then_reused_while_the_pool_is_unchanged(pool, segmented):
    first = pool_index.current()
    assert sorted(first.keys.tolist()) == sorted(p.pk for p in pool.values())
    assert sorted(segmented) == sorted(p.pk for p in pool.values())
    segmented.clear()
    assert pool_index.current() is first
    assert segmented == []


def test_only_changed_patents_are_segmented_again(pool, segmented):
    pool_index.current()
    segmented.clear()
    battery = pool[10]
    battery.title = "钠离子电池硬碳负极材料"
    battery.save()
    converted = pool[11]
    converted.converted = True
    converted.save()
    lapsed = pool[12]
    lapsed.status = Patent.Status.LAPSED
    lapsed.save()
    index = pool_index.current()
    assert segmented == [battery.pk]
    assert sorted(index.keys.tolist()) == sorted(
        p.pk for key, p in pool.items() if key not in {11, 12}
    )
    assert "钠离子" in index.words
    # The patched index ranks as one built from the database afresh.
    need = matching.document(1, "钠离子电池负极", "寻求硬碳负极材料", "04", "H01M4/38")
    pool_index.forget()
    for path in pool_index.cache_path().parent.iterdir():
        path.unlink()
    afresh = pool_index.current()
    assert matching.rank(index, [need]) == matching.rank(afresh, [need])
    assert matching.rank(index, [need])[1][0].patent == battery.pk


def test_a_new_process_starts_from_the_saved_index(pool, segmented):
    pool_index.current()
    assert pool_index.cache_path().exists()
    pool_index.forget()  # as a worker that restarts
    segmented.clear()
    Patent.objects.create(
        number="2021100000999.0", title="一种富硒魔芋微粉的制备方法", abstract="魔芋微粉。",
        kind=Patent.Kind.INVENTION, status=Patent.Status.VALID, filed_on=date(2021, 1, 1),
        owner=pool[1].owner,
    )  # fmt: skip
    index = pool_index.current()
    assert len(segmented) == 1  # only the new patent; the others come from the file
    assert len(index) == len(pool) + 1


def test_a_change_the_fingerprint_misses_is_caught_by_the_full_comparison(pool, segmented):
    pool_index.current()
    segmented.clear()
    # A write that kept the latest stamp and the count (a transaction that committed late):
    # the fingerprint is the same, the full comparison (the nightly run) still finds it.
    latest = max(pool.values(), key=lambda p: p.updated_at)
    earlier = pool[1] if latest != pool[1] else pool[2]
    Patent.objects.filter(pk=earlier.pk).update(
        title="一种全新的题目", updated_at=earlier.updated_at - timedelta(seconds=1)
    )
    assert pool_index.current() is not None and segmented == []
    index = pool_index.current(full=True)
    assert segmented == [earlier.pk] and "题目" in index.words


def needs_of(enterprise, count):
    return [
        TechNeed.objects.create(
            organisation=enterprise.organisation, created_by=enterprise,
            title=NEEDS[n % len(NEEDS)][1], description=NEEDS[n % len(NEEDS)][2],
            industry=NEEDS[n % len(NEEDS)][3], ipc=NEEDS[n % len(NEEDS)][4],
            cooperation=TechNeed.Cooperation.LICENCE,
        )
        for n in range(count)
    ]  # fmt: skip


def test_suggestions_of_many_needs_are_stored_in_bulk(
    pool, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    enterprise = ApplicantFactory()
    needs = needs_of(enterprise, 30)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.needs_match(need_ids=[need.pk for need in needs])
    stored = Match.objects.filter(need__in=needs)
    assert new == stored.count() > 30
    assert not stored.filter(notified_at__isnull=True).exists()
    told = Notification.objects.filter(recipient=enterprise, event="patent.match.new")
    assert told.count() == 30  # one per need with new suggestions
    # What is stored is what the ranking gives, in its order.
    expected = matching.rank(
        pool_index.current(), [services.needs._need_document(n) for n in needs]
    )
    for need in needs:
        stored = Match.objects.filter(need=need).order_by("rank")
        assert list(stored.values_list("patent_id", "shared_terms", "same_industry")) == [
            (s.patent, list(s.shared_terms), s.same_industry) for s in expected[need.pk]
        ]
        assert [float(score) for score in stored.values_list("score", flat=True)] == [
            s.score for s in expected[need.pk]
        ]
    # Again with nothing changed: nothing new, nobody told again, a fixed number of queries.
    with django_assert_max_num_queries(12):
        assert services.needs_match(need_ids=[need.pk for need in needs]) == 0
    assert told.count() == 30


def test_a_suggestion_that_falls_out_is_deleted_one_that_stays_keeps_its_push(pool):
    enterprise = ApplicantFactory()
    (need,) = needs_of(enterprise, 1)
    services.needs_match(need_ids=[need.pk])
    first = {m.patent_id: m for m in Match.objects.filter(need=need)}
    assert len(first) >= 2
    pushed_at = {pk: m.notified_at for pk, m in first.items()}
    # The best patent leaves the pool; the others stay, ranked one place higher.
    top = min(first.values(), key=lambda m: m.rank)
    patent = Patent.objects.get(pk=top.patent_id)
    patent.converted = True
    patent.save()
    assert services.needs_match(need_ids=[need.pk]) == 0
    after = {m.patent_id: m for m in Match.objects.filter(need=need)}
    assert top.patent_id not in after
    for pk, match in after.items():
        assert match.notified_at == pushed_at[pk]
        assert match.rank == first[pk].rank - 1


def test_a_deleted_patent_is_dropped_by_the_full_comparison(pool, segmented):
    pool_index.current()
    segmented.clear()
    gone = pool[5]
    gone.delete()  # nothing written since the index: only the count says so
    index = pool_index.current()
    assert gone.pk not in index.keys.tolist() and len(index) == len(pool) - 1
    assert segmented == []
