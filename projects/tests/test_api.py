"""The projects REST API: scoping, the error shape, and the whole life cycle through it."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from rest_framework.routers import DefaultRouter
from rest_framework.test import APIClient

from portal.factories import CityAgencyFactory, OrganisationFactory, UserFactory
from portal.models import Role
from projects import api as projects_api
from projects import factories as f
from projects import services
from projects.models import Application, Assignment

pytestmark = pytest.mark.django_db

S = Application.Status


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(kind: str, pk=None, action: str = "") -> str:
    base = f"/api/v1/{kind}/"
    if pk is not None:
        base += f"{pk}/"
    return base + (f"{action}/" if action else "")


def draft(call, code: int = 3, user=None, **org) -> Application:
    """A draft of category `code` by a new (eligible, for category 3) applicant."""
    user = user or f.applicant(**org)
    if code == 3:
        f.listing_reserve(user.organisation)
    return services.application_create(actor=user, lot=f.lot(call, code))


def under_review(call, reviewer, panel, joint=()) -> Application:
    application = draft(call)
    user = application.created_by
    f.complete(application, actor=user)
    if joint:
        services.application_update(
            actor=user, application=application, data={}, joint_organisations=joint
        )
    services.application_submit(actor=user, application=application)
    services.application_pass(actor=reviewer, application=application)
    services.application_assign(actor=reviewer, application=application, experts=panel)
    application.refresh_from_db()
    return application


def project(call, reviewer) -> Application:
    """An approved project (three experts scored it)."""
    application = f.scored(call, [70, 80, 90], actor=reviewer)
    return services.application_approve(actor=reviewer, application=application, amount=30 * f.WAN)


def assert_invalid(response, *fields: str) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "invalid"
    for field in fields:
        assert body["errors"].get(field), body
    return body["errors"]


# Categories and calls ------------------------------------------------------------------------


def test_categories_carry_their_kpis_and_rubric():
    applicant = client_for(f.applicant())
    body = applicant.get(url("categories")).json()
    assert [row["code"] for row in body["results"]] == [1, 2, 3, 4, 5, 6]
    three = applicant.get(url("categories", 3)).json()
    minimums = {kpi["code"]: kpi["minimum"] for kpi in three["kpis"]}
    assert minimums["transfers_in"] == "5.00" and minimums["hv_patents"] == "5.00"
    assert sum(criterion["weight"] for criterion in three["criteria"]) == 100
    assert applicant.get(url("categories", 99)).status_code == 404
    assert client_for(CityAgencyFactory()).get(url("categories")).status_code == 403


def test_calls_list_their_lots_as_opened():
    reviewer = f.reviewer()
    call = f.open_call(reviewer, categories=(3, 5))
    body = client_for(f.applicant()).get(url("calls", call.pk)).json()
    assert body["is_open"] is True
    lots = {lot["category"]: lot for lot in body["lots"]}
    assert set(lots) == {3, 5}
    assert lots[3]["id"] == f.lot(call, 3).pk
    assert lots[3]["budget"] == "5000000.00" and lots[3]["expected_projects"] == 5
    assert lots[5]["amount_min"] == "100000.00" and lots[5]["amount_max"] == "300000.00"
    assert lots[5]["subtypes"][0] == "产业规划类"
    assert {kpi["code"] for kpi in lots[3]["kpis"]} >= {"transfers_in", "hv_patents"}
    assert lots[3]["category_version"] == 1 and len(lots[3]["criteria"]) == 5
    later = f.open_call(reviewer, categories=(1,), year=2027, opens_in=timedelta(days=10))
    rows = client_for(reviewer).get(url("calls"), {"year": 2027}).json()["results"]
    assert [(row["id"], row["is_open"]) for row in rows] == [(later.pk, False)]
    assert client_for(f.expert()).get(url("calls")).status_code == 403


# Applications: reading -----------------------------------------------------------------------


def test_application_list_filters():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    ankang = draft(call, 3, region_code="610902")
    xian = draft(call, 3, region_code="610100")
    navigation = draft(call, 5, kind="government", region_code="610921")
    sent = f.submitted(call, 3)
    other_call = f.open_call(reviewer, categories=(3,), year=2027)
    elsewhere = draft(other_call, 3)
    client = client_for(reviewer)

    def ids(**params) -> set[int]:
        response = client.get(url("applications"), params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    everything = {ankang.pk, xian.pk, navigation.pk, sent.pk, elsewhere.pk}
    assert ids() == everything
    assert ids(call=call.pk) == everything - {elsewhere.pk}
    assert ids(category=5) == {navigation.pk}
    assert ids(status=S.SUBMITTED) == {sent.pk}
    assert ids(region="610900") == everything - {xian.pk}  # Ankang and its counties
    assert ids(region="610921") == {navigation.pk}
    assert ids(organisation=xian.lead_organisation_id) == {xian.pk}
    assert ids(search=xian.number) == {xian.pk}
    assert ids(search=xian.lead_organisation.name) == {xian.pk}
    row = next(
        r for r in client.get(url("applications")).json()["results"] if r["id"] == navigation.pk
    )
    assert row["category"] == 5 and row["region"] == "610921" and row["status"] == S.DRAFT
    assert row["call"] == call.pk and row["lot"] == f.lot(call, 5).pk
    assert_invalid(client.get(url("applications"), {"status": "nonsense"}), "status")
    assert_invalid(client.get(url("applications"), {"call": "x"}), "call")


@pytest.mark.parametrize("rows", [1, 8])
def test_application_list_queries_do_not_grow_with_rows(rows, django_assert_max_num_queries):
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    applicant = f.applicant()
    own = draft(call, 3, user=applicant)
    for code in (1, 2, 4, 5, 6)[: rows - 1]:
        draft(call, code)
    for _ in range(max(0, rows - 6)):
        draft(call, 3)
    joint = draft(call, 4)
    services.application_update(
        actor=joint.created_by,
        application=joint,
        data={},
        joint_organisations=[applicant.organisation],
    )
    for user, expected in ((reviewer, rows + 1), (applicant, 2)):
        client = client_for(user)
        with django_assert_max_num_queries(3):
            body = client.get(url("applications")).json()
        assert body["count"] == expected
    assert {row["id"] for row in body["results"]} == {own.pk, joint.pk}


def test_applicant_cannot_read_patch_or_act_on_another_organisations_application():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    mine = draft(call)
    theirs = draft(call)
    client = client_for(mine.created_by)
    assert [row["id"] for row in client.get(url("applications")).json()["results"]] == [mine.pk]
    assert client.get(url("applications", theirs.pk)).status_code == 404
    assert client.patch(url("applications", theirs.pk), {"title": "x"}).status_code == 404
    assert client.get(url("applications", theirs.pk, "check")).status_code == 404
    assert client.post(url("applications", theirs.pk, "submit")).status_code == 404
    assert client.get(url("projects", theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "" and theirs.status == S.DRAFT
    # Same answer as for an application that does not exist at all.
    assert client.get(url("applications", 999_999)).status_code == 404
    assert client.patch(url("applications", mine.pk), {"title": "我的项目"}).status_code == 200


def test_joint_organisation_reads_but_only_the_lead_edits():
    call = f.open_call()
    partner = f.applicant()
    application = draft(call)
    services.application_update(
        actor=application.created_by,
        application=application,
        data={},
        joint_organisations=[partner.organisation],
    )
    client = client_for(partner)
    body = client.get(url("applications", application.pk)).json()
    assert body["joint_organisations"] == [
        {"id": partner.organisation_id, "name": partner.organisation.name}
    ]
    assert body["actions"] == []
    assert client.patch(url("applications", application.pk), {"title": "x"}).status_code == 403
    assert client.get(url("applications", application.pk, "check")).status_code == 403
    assert client.post(url("applications", application.pk, "submit")).status_code == 403


def test_reviewer_only_actions_are_refused_to_the_applicant():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    application = f.submitted(call)
    client = client_for(application.created_by)
    panel = f.experts(3)
    refused = {
        "pass": {},
        "return": {"reason": "请补充材料"},
        "reject": {"reason": "不符合条件"},
        "assign": {"experts": [e.pk for e in panel]},
        "approve": {"amount": "300000"},
        "decide": {"decision": "approve", "amount": "300000"},
        "verdict": {"accepted": True, "reason": "ok"},
    }
    for action, payload in refused.items():
        response = client.post(url("applications", application.pk, action), payload, format="json")
        assert response.status_code == 403, (action, response.content)
        assert "errors" not in response.json()
    assert client.get(url("applications", application.pk, "proposed_experts")).status_code == 403
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert not Assignment.objects.filter(application=application).exists()
    # And the bureau cannot submit on the applicant's behalf.
    other = draft(call)
    response = client_for(reviewer).post(url("applications", other.pk, "submit"))
    assert response.status_code == 403


def test_only_applicants_of_a_verified_organisation_create():
    call = f.open_call()
    lot = f.lot(call, 3)
    assert client_for(f.reviewer()).post(url("applications"), {"lot": lot.pk}).status_code == 403
    pending = f.applicant(status="pending")
    assert client_for(pending).post(url("applications"), {"lot": lot.pk}).status_code == 403
    applicant = client_for(f.applicant())
    assert_invalid(applicant.post(url("applications"), {"lot": 999_999}), "lot")
    assert applicant.post(url("applications"), {"lot": lot.pk}).status_code == 201
    # The service's rule (one lead application per category and call) in the same error shape.
    errors = assert_invalid(
        applicant.post(url("applications"), {"lot": lot.pk}), "non_field_errors"
    )
    assert len(errors["non_field_errors"]) == 1


# Applications: validation through the services ----------------------------------------------


def test_kpi_below_the_minimum_is_saved_as_draft_but_refused_on_submit():
    call = f.open_call()
    application = draft(call)
    f.complete(application, actor=application.created_by)
    client = client_for(application.created_by)
    response = client.patch(
        url("applications", application.pk),
        {"kpis": {"transfers_in": {"committed": "3"}}},
        format="json",
    )
    assert response.status_code == 200, response.content
    kpis = {kpi["code"]: kpi for kpi in response.json()["kpis"]}
    assert kpis["transfers_in"]["committed"] == "3.00"
    assert kpis["transfers_in"]["minimum"] == "5.00"

    check = client.get(url("applications", application.pk, "check")).json()
    assert check["ready"] is False
    assert [p["field"] for p in check["problems"]] == ["kpi_transfers_in_committed"]
    assert all(finding["passed"] for finding in check["findings"])

    errors = assert_invalid(
        client.post(url("applications", application.pk, "submit")), "kpi_transfers_in_committed"
    )
    assert list(errors) == ["kpi_transfers_in_committed"]
    assert "5" in errors["kpi_transfers_in_committed"][0]
    application.refresh_from_db()
    assert application.status == S.DRAFT


def test_patch_errors_name_the_field():
    call = f.open_call()
    application = draft(call)
    client = client_for(application.created_by)
    target = url("applications", application.pk)
    errors = assert_invalid(
        client.patch(target, {"kpis": {"transfers_in": {"committed": "many"}}}, format="json"),
        "kpis",
    )
    assert "committed" in errors["kpis"]["transfers_in"]
    assert_invalid(client.patch(target, {"patents": ["202310123456.7"]}, format="json"), "patents")
    assert_invalid(client.patch(target, {"subtype": "产业规划类"}, format="json"), "subtype")
    assert_invalid(
        client.patch(
            target, {"joint_organisations": [application.lead_organisation_id]}, format="json"
        ),
        "joint_organisations",
    )
    assert_invalid(
        client.patch(target, {"requested_amount": "-1"}, format="json"), "requested_amount"
    )
    assert_invalid(client.patch(target, {"period_months": 0}, format="json"), "period_months")
    application.refresh_from_db()
    assert application.patents.count() == 0 and application.requested_amount is None


def test_decide_dispatches_to_approve_or_reject():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    application = f.scored(call, [70, 80, 90], actor=reviewer)
    client = client_for(reviewer)
    target = url("applications", application.pk, "decide")
    assert_invalid(client.post(target, {"decision": "approve"}, format="json"), "amount")
    assert_invalid(client.post(target, {"decision": "reject"}, format="json"), "reason")
    assert_invalid(client.post(target, {"decision": "maybe"}, format="json"), "decision")
    above = {"decision": "approve", "amount": str(41 * f.WAN)}  # 40万 was requested
    assert_invalid(client.post(target, above, format="json"), "amount")
    response = client.post(target, {"decision": "reject", "reason": "预算不足"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == S.REJECTED
    assert response.json()["decision_reason"] == "预算不足"


# Expert review -------------------------------------------------------------------------------


def test_expert_cannot_read_an_application_not_assigned_to_it():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    stranger, assigned = f.expert(), f.expert()
    application = under_review(call, reviewer, [assigned])
    client = client_for(stranger)
    assert client.get(url("applications", application.pk)).status_code == 404
    assert client.get(url("applications", application.pk, "check")).status_code == 404
    assert client.get(url("reviews")).json()["count"] == 0
    review = Assignment.objects.get(application=application)
    assert client.get(url("reviews", review.pk)).status_code == 404
    assert client.post(url("reviews", review.pk, "accept")).status_code == 404
    assert client.get(url("applications")).status_code == 403  # not an expert's list


def test_expert_reads_the_content_only_after_declaring_no_conflict():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    expert = f.expert()
    partner = OrganisationFactory(name="西北联合研究院")
    application = under_review(call, reviewer, [expert], joint=[partner])
    review = Assignment.objects.get(application=application, expert=expert)
    client = client_for(expert)

    pending = client.get(url("reviews", review.pk))
    assert pending.status_code == 200
    body = pending.json()
    assert body["status"] == Assignment.Status.PENDING and body["content"] is None
    assert body["application"] == {
        "id": application.pk,
        "number": application.number,
        "category": 3,
        "category_name": application.call_category.name,
        "lead_organisation_name": application.lead_organisation.name,
        "joint_organisation_names": ["西北联合研究院"],
    }
    assert application.title not in pending.content.decode()
    assert application.summary not in pending.content.decode()
    assert client.get(url("applications", application.pk)).status_code == 404
    points = f.points_for(application, 80)
    scored = client.post(url("reviews", review.pk, "score"), {"points": points}, format="json")
    # The state is checked before the permission (portal/workflow.py): declare first.
    assert scored.status_code == 400

    accepted = client.post(url("reviews", review.pk, "accept"))
    assert accepted.status_code == 200
    content = accepted.json()["content"]
    assert content["title"] == application.title
    assert {kpi["code"] for kpi in content["kpis"]} >= {"transfers_in", "hv_patents"}
    assert len(content["patents"]) == 12
    detail = client.get(url("applications", application.pk))
    assert detail.status_code == 200 and detail.json()["scores"] is None


def test_expert_sees_only_its_own_reviews():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    mine, theirs = f.expert(), f.expert()
    first = under_review(call, reviewer, [mine, theirs])
    second = under_review(call, reviewer, [theirs])
    client = client_for(mine)
    rows = client.get(url("reviews")).json()["results"]
    assert [(row["application"]["id"], row["expert"]) for row in rows] == [(first.pk, mine.pk)]
    other = Assignment.objects.get(application=first, expert=theirs)
    assert client.get(url("reviews", other.pk)).status_code == 404
    assert client.post(url("reviews", other.pk, "decline"), {"reason": "x"}).status_code == 404
    everything = client_for(reviewer).get(url("reviews")).json()
    assert everything["count"] == 3
    only_second = client_for(reviewer).get(url("reviews"), {"application": second.pk}).json()
    assert [row["expert"] for row in only_second["results"]] == [theirs.pk]
    # Applicants see no review at all, not even of their own application.
    applicant = client_for(first.created_by)
    assert applicant.get(url("reviews")).json()["count"] == 0
    assert applicant.get(url("reviews", other.pk)).status_code == 404


def test_decline_needs_a_reason_and_hides_the_content():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    expert = f.expert()
    application = under_review(call, reviewer, [expert])
    review = Assignment.objects.get(application=application)
    client = client_for(expert)
    assert_invalid(client.post(url("reviews", review.pk, "decline"), {"reason": " "}), "reason")
    response = client.post(url("reviews", review.pk, "decline"), {"reason": "曾为其提供咨询"})
    assert response.status_code == 200
    assert response.json()["status"] == Assignment.Status.DECLINED
    assert response.json()["content"] is None
    # Declined: the state refuses a late acceptance, checked before the permission.
    assert client.post(url("reviews", review.pk, "accept")).status_code == 400


def test_score_outside_the_weight_names_the_criterion():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    expert = f.expert()
    application = under_review(call, reviewer, [expert])
    review = Assignment.objects.get(application=application)
    client = client_for(expert)
    client.post(url("reviews", review.pk, "accept"))
    target = url("reviews", review.pk, "score")
    weights = {c["code"]: c["weight"] for c in application.spec["criteria"]}
    points = {code: str(weight) for code, weight in weights.items()}
    errors = assert_invalid(
        client.post(target, {"points": {**points, "basis": "25"}}, format="json"), "points_basis"
    )
    assert list(errors) == ["points_basis"] and "20" in errors["points_basis"][0]
    errors = assert_invalid(
        client.post(target, {"points": {**points, "plan": "-1"}}, format="json"), "points_plan"
    )
    missing = {code: value for code, value in points.items() if code != "budget"}
    assert_invalid(client.post(target, {"points": missing}, format="json"), "points_budget")
    assert_invalid(client.post(target, {"points": {"basis": "abc"}}, format="json"), "points")
    review.refresh_from_db()
    assert review.status == Assignment.Status.ACCEPTED and review.total is None
    response = client.post(target, {"points": points, "comment": "很好"}, format="json")
    assert response.status_code == 200
    assert response.json()["total"] == "100.00"
    assert response.json()["status"] == Assignment.Status.SUBMITTED


# The whole life cycle ------------------------------------------------------------------------


def test_full_flow_through_the_api():
    reviewer_user = f.reviewer()
    call = f.open_call(reviewer_user, categories=(3,))
    lot = f.lot(call, 3)
    panel_users = f.experts(5)
    applicant_user = f.applicant()
    f.listing_reserve(applicant_user.organisation)
    applicant, reviewer = client_for(applicant_user), client_for(reviewer_user)

    # Declare.
    created = applicant.post(url("applications"), {"lot": lot.pk}, format="json")
    assert created.status_code == 201, created.content
    application_id = created.json()["id"]
    assert created.json()["status"] == S.DRAFT
    assert [a["action"] for a in created.json()["actions"]] == ["submit"]
    detail = url("applications", application_id)
    patch = {
        "title": "专利运营赋能示范项目",
        "summary": "围绕主导产品开展专利导航与转化承接。",
        "requested_amount": "400000.00",
        "contact_name": "张三",
        "contact_phone": "029-88888888",
        "narrative": {key: f"{label}：详见附件。" for key, label in services.NARRATIVE_SECTIONS},
        "kpis": {"transfers_in": {"committed": "8"}, "hv_patents": {"committed": "6"}},
        "patents": f.PATENTS,
    }
    patched = applicant.patch(detail, patch, format="json")
    assert patched.status_code == 200, patched.content
    body = patched.json()
    assert body["requested_amount"] == "400000.00"
    assert {k["code"]: k["committed"] for k in body["kpis"]}["transfers_in"] == "8.00"
    assert len(body["patents"]) == 12 and body["patents"][0]["kind"] in {
        "invention",
        "utility_model",
    }
    assert applicant.get(url("applications", application_id, "check")).json()["ready"] is True
    submitted = applicant.post(url("applications", application_id, "submit"))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == S.SUBMITTED and submitted.json()["submitted_at"]

    # Formal review and panel.
    passed = reviewer.post(url("applications", application_id, "pass"), {}, format="json")
    assert passed.json()["status"] == S.FORMAL_PASSED
    proposed = reviewer.get(url("applications", application_id, "proposed_experts")).json()
    assert sorted(e["id"] for e in proposed) == sorted(u.pk for u in panel_users)
    assert len({e["field"] for e in proposed}) == 5  # one per field
    assigned = reviewer.post(
        url("applications", application_id, "assign"),
        {"experts": [e["id"] for e in proposed]},
        format="json",
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["status"] == S.UNDER_REVIEW
    assert [m["status"] for m in assigned.json()["scores"]["panel"]] == ["pending"] * 5

    # Experts declare no conflict and score.
    application = Application.objects.get(pk=application_id)
    totals = dict(zip((u.pk for u in panel_users), [80, 70, 90, 60, 85], strict=True))
    for expert in panel_users:
        client = client_for(expert)
        [row] = client.get(url("reviews")).json()["results"]
        assert client.post(url("reviews", row["id"], "accept")).status_code == 200
        scored = client.post(
            url("reviews", row["id"], "score"),
            {"points": f.points_for(application, totals[expert.pk]), "comment": "可行"},
            format="json",
        )
        assert scored.status_code == 200, scored.content
        # An expert never sees the panel's scores, not even once scoring is complete.
        assert client.get(detail).json()["scores"] is None

    reviewed = reviewer.get(detail).json()
    assert reviewed["status"] == S.SCORED
    # 去掉一个最高分和一个最低分: (70 + 80 + 85) / 3.
    assert reviewed["scores"]["final_score"] == "78.33"
    assert reviewed["scores"]["score_count"] == 5
    assert reviewed["scores"]["score_spread"] == "30.00"
    assert sorted(Decimal(m["total"]) for m in reviewed["scores"]["panel"]) == [
        60,
        70,
        80,
        85,
        90,
    ]
    assert {"approve", "reject"} <= {a["action"] for a in reviewed["actions"]}
    seen_by_applicant = applicant.get(detail).json()
    assert seen_by_applicant["scores"] is None and seen_by_applicant["final_score"] is None
    assert (
        "panel" not in seen_by_applicant and "total" not in applicant.get(detail).content.decode()
    )
    listed = reviewer.get(url("applications")).json()["results"][0]
    assert listed["final_score"] == "78.33"
    assert applicant.get(url("applications")).json()["results"][0]["final_score"] is None

    # Decision.
    approved = reviewer.post(
        url("applications", application_id, "approve"),
        {"amount": "300000", "reason": "综合评分靠前"},
        format="json",
    )
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == S.APPROVED
    assert approved.json()["approved_amount"] == "300000.00"
    assert approved.json()["start_date"] and approved.json()["end_date"]

    # Execution: a progress report, then the final report.
    reports = url("progress-reports")
    progress = applicant.post(
        reports,
        {
            "application": application_id,
            "kind": "progress",
            "narrative": "已承接专利许可3项。",
            "actuals": {"transfers_in": "3"},
        },
        format="json",
    )
    assert progress.status_code == 201, progress.content
    assert progress.json()["actuals"] == [
        {"code": "transfers_in", "name": "专利转让、许可承接次数", "unit": "次", "actual": "3.00"}
    ]
    assert applicant.get(detail).json()["status"] == S.IN_EXECUTION
    incomplete = {
        "application": application_id,
        "kind": "final",
        "narrative": "项目完成。",
        "actuals": {"transfers_in": "9"},
    }
    assert_invalid(applicant.post(reports, incomplete, format="json"), "actual_hv_patents")
    final = applicant.post(
        reports,
        {
            **incomplete,
            "actuals": {
                "transfers_in": "9",
                "hv_patents": "4",
                "nav_report": "1",
                "product_filing": "1",
            },
        },
        format="json",
    )
    assert final.status_code == 201, final.content
    assert final.json()["kind"] == "final"
    assert applicant.get(detail).json()["status"] == S.ACCEPTANCE_SUBMITTED

    running = reviewer.get(url("projects", application_id)).json()
    results = {r["code"]: r for r in running["kpi_results"]}
    assert results["transfers_in"]["met"] is True and results["transfers_in"]["actual"] == "9.00"
    assert results["hv_patents"]["met"] is False and results["hv_patents"]["target"] == "6.00"
    assert [r["kind"] for r in running["reports"]] == ["progress", "final"]
    assert [p["id"] for p in applicant.get(url("projects")).json()["results"]] == [application_id]
    assert reviewer.get(reports, {"application": application_id}).json()["count"] == 2

    # Acceptance.
    verdict = url("applications", application_id, "verdict")
    assert_invalid(reviewer.post(verdict, {"accepted": True}, format="json"), "reason")
    assert_invalid(reviewer.post(verdict, {"reason": "x"}, format="json"), "accepted")
    accepted = reviewer.post(
        verdict, {"accepted": True, "reason": "主要指标完成，同意验收"}, format="json"
    )
    assert accepted.status_code == 200, accepted.content
    body = accepted.json()
    assert body["status"] == S.ACCEPTED
    assert body["acceptance_result"]["met"] == 3 and body["acceptance_result"]["total"] == 4
    history = [event["action"] for event in applicant.get(detail).json()["history"]]
    assert history == [
        "submit",
        "pass",
        "assign",
        "complete_scoring",
        "approve",
        "report_progress",
        "request_acceptance",
        "accept",
    ]


# Execution -----------------------------------------------------------------------------------


def test_projects_and_reports_are_scoped_to_the_applicant():
    reviewer = f.reviewer()
    call = f.open_call(reviewer)
    mine, theirs = project(call, reviewer), project(call, reviewer)
    services.progress_report_submit(
        actor=theirs.created_by,
        application=theirs,
        narrative="进展顺利",
        actuals={"transfers_in": 2},
    )
    draft_only = draft(call, 5, kind="government")
    client = client_for(mine.created_by)
    assert [p["id"] for p in client.get(url("projects")).json()["results"]] == [mine.pk]
    assert client.get(url("projects", theirs.pk)).status_code == 404
    assert client.get(url("progress-reports")).json()["count"] == 0
    payload = {
        "application": theirs.pk,
        "kind": "progress",
        "narrative": "冒名填报",
        "actuals": {"transfers_in": "1"},
    }
    assert_invalid(client.post(url("progress-reports"), payload, format="json"), "application")
    reviewer_client = client_for(reviewer)
    assert reviewer_client.get(url("progress-reports")).json()["count"] == 1
    assert {p["id"] for p in reviewer_client.get(url("projects")).json()["results"]} == {
        mine.pk,
        theirs.pk,
    }
    assert reviewer_client.get(url("projects", draft_only.pk)).status_code == 404
    # The bureau reads reports but does not file them for the applicant.
    response = reviewer_client.post(
        url("progress-reports"), {**payload, "narrative": "代填"}, format="json"
    )
    assert response.status_code == 403
    assert client_for(UserFactory(role=Role.EXPERT)).get(url("projects")).status_code == 403


# Schema --------------------------------------------------------------------------------------


def test_schema_of_the_projects_api_has_no_warnings():
    router = DefaultRouter()
    for prefix, viewset in (
        ("categories", projects_api.CategoryViewSet),
        ("calls", projects_api.CallViewSet),
        ("applications", projects_api.ApplicationViewSet),
        ("reviews", projects_api.ReviewViewSet),
        ("projects", projects_api.ProjectViewSet),
        ("progress-reports", projects_api.ProgressReportViewSet),
    ):
        router.register(prefix, viewset, basename=f"schema-{prefix}")
    GENERATOR_STATS.reset()
    schema = SchemaGenerator(patterns=[path("api/v1/", include(router.urls))]).get_schema(
        request=None, public=True
    )
    assert not GENERATOR_STATS, "drf-spectacular reported warnings or errors"
    assert "/api/v1/applications/{id}/verdict/" in schema["paths"]
    assert "/api/v1/reviews/{id}/score/" in schema["paths"]
