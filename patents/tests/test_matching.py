"""Matching on a small labelled set: the right patent comes first, with its reasons; stored
suggestions are pushed once; enterprises see only their own. The vectorised scoring gives what
the plain definition of the score gives (`reference` below, the matching as first written),
patched pools rank as rebuilt ones, and a pool survives being saved and loaded."""

import math
from collections import Counter

import pytest

from patents import demo, matching, services
from patents.models import Match, Patent, TechNeed
from patents.tests.labelled import NEEDS, PATENTS
from portal.factories import ApplicantFactory, OrganisationFactory
from portal.models import Notification, Organisation


def documents():
    patents = [matching.document(*row) for row in PATENTS]
    needs = [matching.document(key, t, d, i, ipc) for key, t, d, i, ipc, _right in NEEDS]
    return patents, needs


def ranked(need, patents, needs):
    """A need's suggestions with IDF over the labelled pool and every labelled need."""
    return matching.rank(matching.Pool.build(patents), needs)[need.key]


def reference(needs, patents, top=matching.TOP):
    """The score by its definition, one pair at a time in plain Python: TF-IDF vectors over the
    pool and the needs, cosine, industry, IPC. Returns {need: [(patent, score, same industry,
    shared IPC, {shared word: product of weights})]}."""
    vectors = reference_vectors([*patents, *needs])
    return {need.key: reference_rank(need, patents, vectors, top) for need in needs}


def reference_vectors(documents):
    """id(document) → its TF-IDF vector (L2-normalised), IDF over these documents."""
    frequency = Counter(word for doc in documents for word in doc.words)
    idf = {w: math.log((len(documents) + 1) / (n + 1)) + 1 for w, n in frequency.items()}
    vectors = {}
    for doc in documents:
        vector = {w: (1 + math.log(c)) * idf[w] for w, c in doc.words.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vectors[id(doc)] = {w: v / norm for w, v in vector.items()}
    return vectors


def reference_rank(need, patents, vectors, top=matching.TOP):
    mine, suggestions = vectors[id(need)], []
    need_groups, need_classes = matching.ipc_keys(need.ipc)
    for patent in patents:
        theirs = vectors[id(patent)]
        products = {w: mine[w] * theirs[w] for w in mine.keys() & theirs.keys()}
        same_industry = bool(need.industry) and need.industry == patent.industry
        groups, classes = matching.ipc_keys(patent.ipc)
        overlap, ipc = "", 0.0
        if need_groups & groups:
            overlap, ipc = sorted(need_groups & groups)[0], 1.0
        elif need_classes & classes:
            overlap, ipc = sorted(need_classes & classes)[0], 0.5
        score = round(
            matching.TEXT_WEIGHT * sum(products.values())
            + matching.INDUSTRY_WEIGHT * same_industry
            + matching.IPC_WEIGHT * ipc,
            4,
        )
        if (products or overlap) and score >= matching.MIN_SCORE:
            suggestions.append((patent.key, score, same_industry, overlap, products))
    return sorted(suggestions, key=lambda s: (-s[1], s[0]))[:top]


def assert_same_as_reference(patents, needs):
    expected = reference(needs, patents)
    got = matching.rank(matching.Pool.build(patents), needs)
    for need in needs:
        assert [(s.patent, s.score, s.same_industry, s.ipc_overlap) for s in got[need.key]] == [
            row[:4] for row in expected[need.key]
        ], need.key
        for suggestion, (*_rest, products) in zip(got[need.key], expected[need.key], strict=True):
            # The words weighing most on both sides (equal weights may be listed either way).
            best = sorted(products.values(), reverse=True)[: matching.SHARED_TERMS]
            mine = sorted((products[w] for w in suggestion.shared_terms), reverse=True)
            assert mine == pytest.approx(best, rel=1e-9)


def test_segmentation_keeps_meaning_and_drops_patent_boilerplate():
    words = matching.terms("一种富硒茶叶的低温萃取方法及其装置")
    assert {"富", "硒", "茶叶", "低温", "萃取"} <= set(words)
    assert not {"一种", "方法", "及其", "装置", "的"} & set(words)


@pytest.mark.parametrize(("key", "right"), [(n[0], n[5]) for n in NEEDS])
def test_the_right_patent_ranks_first(key, right):
    patents, needs = documents()
    need = next(n for n in needs if n.key == key)
    suggestions = ranked(need, patents, needs)
    assert suggestions[0].patent in right
    assert suggestions[0].shared_terms  # it says why


def test_a_suggestion_explains_itself():
    patents, needs = documents()
    lithium = next(n for n in needs if n.key == 104)
    top = ranked(lithium, patents, needs)[0]
    assert top.patent == 10 and top.same_industry and top.ipc_overlap == "H01M4"
    assert "负极" in top.shared_terms


def test_ipc_main_group_and_subclass():
    assert matching.ipc_keys("G06F16/35；H04L9/32") == ({"G06F16", "H04L9"}, {"G06F", "H04L"})
    assert matching.ipc_keys("C22C") == (set(), {"C22C"})
    assert matching.ipc_keys("H01M4, H01M 10/054") == ({"H01M4", "H01M10"}, {"H01M"})


def test_scores_are_those_of_the_plain_definition_on_the_labelled_set():
    patents, needs = documents()
    assert_same_as_reference(patents, needs)


def demo_documents(count: int) -> list[matching.Document]:
    return [
        matching.document(key, p.patent.title, p.patent.abstract, p.patent.industry,
                          p.patent.ipc)
        for key, p in enumerate(demo.plan_pool()[:count], start=1)
    ]  # fmt: skip


def demo_needs() -> list[matching.Document]:
    return [
        matching.document(1000 + index, title, description, industry, ipc)
        for index, (title, description, industry, ipc, *_rest) in enumerate(demo.NEEDS)
    ]


def test_scores_are_those_of_the_plain_definition_on_a_demo_pool():
    patents = demo_documents(1200) + [matching.document(*row) for row in PATENTS]
    # Copies under other keys: equal scores at the edge of every top, ordered by key.
    patents += [matching.Document(doc.key + 10_000, doc.words, doc.industry, doc.ipc)
                for doc in patents[:300]]  # fmt: skip
    assert_same_as_reference(patents, demo_needs() + documents()[1])


def test_a_shared_main_group_suggests_without_a_shared_word_a_subclass_alone_does_not():
    patents = [
        matching.document(1, "高强度镁合金及其制备工艺", "稀土镁合金经挤压处理。", "", "C22C23/02"),
        matching.document(2, "镁锂合金板材", "镁锂合金板材轧制。", "", "C22C23/00"),
        matching.document(3, "一种钛合金", "钛合金锻造。", "04", "C22C14/00"),
    ]  # fmt: skip
    need = matching.document(9, "轻量化部件", "汽车零部件", "", "C22C23/02")
    found = {s.patent: s for s in matching.best(need, patents)}
    assert set(found) == {1, 2}
    assert found[1].ipc_overlap == "C22C23" and found[1].score == 0.15
    assert not found[1].shared_terms
    assert found[2].ipc_overlap == "C22C23"  # "C22C23/00": main group 23 too
    # A shared subclass alone (0.075) is below MIN_SCORE; with the same industry it is not.
    need = matching.document(9, "轻量化部件", "汽车零部件", "", "C22C")
    assert matching.best(need, patents[2:]) == []
    need = matching.document(9, "轻量化部件", "汽车零部件", "04", "C22C")
    (only,) = matching.best(need, patents[2:])
    assert (only.patent, only.score, only.same_industry, only.ipc_overlap) == (
        3,
        0.225,
        True,
        "C22C",
    )


def suggestions(pool, needs):
    return {
        key: [(s.patent, s.score, s.shared_terms, s.same_industry, s.ipc_overlap) for s in found]
        for key, found in matching.rank(pool, needs).items()
    }


def test_a_patched_pool_ranks_as_one_built_afresh():
    patents = demo_documents(900)
    needs = demo_needs()
    # Patch: 40 patents rewritten (another one's text), 30 gone, 100 new.
    rewritten = [
        matching.Document(doc.key, other.words, other.industry, other.ipc)
        for doc, other in zip(patents[100:140], patents[500:540], strict=True)
    ]
    gone = [doc.key for doc in patents[200:230]]
    new = [
        matching.Document(key, doc.words, doc.industry, doc.ipc)
        for key, doc in enumerate(demo_documents(1000)[900:], start=5000)
    ]
    pool = matching.Pool.build(patents).patched([*rewritten, *new], removed=gone)
    final = {doc.key: doc for doc in patents if doc.key not in gone}
    final.update({doc.key: doc for doc in [*rewritten, *new]})
    assert len(pool) == len(final)
    afresh = matching.Pool.build(final.values())
    assert suggestions(pool, needs) == suggestions(afresh, needs)
    assert any(found for found in suggestions(pool, needs).values())


def test_a_saved_pool_loads_as_it_was(tmp_path):
    patents, needs = documents()
    pool = matching.Pool.build(patents, stamps=range(len(patents)))
    path = tmp_path / "pool.npz"
    pool.save(path)
    loaded = matching.Pool.load(path)
    assert loaded.keys.tolist() == pool.keys.tolist()
    assert loaded.stamps.tolist() == list(range(len(patents)))
    assert suggestions(loaded, needs) == suggestions(pool, needs)
    # A damaged file, or none, is no pool: the caller builds one.
    path.write_bytes(path.read_bytes()[:200])
    assert matching.Pool.load(path) is None
    assert matching.Pool.load(tmp_path / "none.npz") is None


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
