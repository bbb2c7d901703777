"""Expert scores into a final score (scoring.trimmed_mean and the scoring services), and KPI
actuals into met / not met (scoring.kpi_outcome)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from portal.models import Notification
from projects import factories as f
from projects import scoring, services
from projects.models import Application, Assignment, ScoreItem

S = Application.Status
D = Decimal


# Trimmed mean and spread: pure ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        # Fewer than 5: nothing is dropped.
        ([80, 70, 90], D("80.00")),
        ([80, 71, 90], D("80.33")),
        ([D("85.5"), D("72.0"), D("90.5")], D("82.67")),
        ([60, 70, 75, 95], D("75.00")),
        # 5: the highest (90) and the lowest (60) are dropped: (80 + 70 + 85) / 3.
        ([80, 70, 90, 60, 85], D("78.33")),
        ([100, 0, 50, 50, 50], D("50.00")),
        # 7: 100 and 60 dropped: (70 + 75 + 80 + 85 + 90) / 5.
        ([60, 70, 75, 80, 85, 90, 100], D("80.00")),
        ([D("88.5"), D("91.0"), D("79.5"), D("95.0"), D("62.0"), D("84.5"), D("90.0")], D("86.70")),
        # Only one highest and one lowest are dropped, even when tied.
        ([90, 90, 70, 70, 80], D("80.00")),
    ],
)
def test_trimmed_mean(scores, expected):
    result = scoring.trimmed_mean([D(score) for score in scores])
    assert result == expected
    assert result.as_tuple().exponent == -2


def test_trimmed_mean_rounds_half_up_and_is_none_without_scores():
    assert scoring.trimmed_mean([D("0.005")]) == D("0.01")
    assert scoring.trimmed_mean([D("70.125"), D("70.125"), D("70.125")]) == D("70.13")
    assert scoring.trimmed_mean([]) is None


def test_spread_is_highest_minus_lowest_before_trimming():
    assert scoring.spread([D(80), D(70), D(90), D(60), D(85)]) == D("30.00")
    assert scoring.spread([D("77.5"), D("77.5"), D("77.5")]) == D("0.00")
    assert scoring.spread([]) is None


# End to end: from assignments to the final score ----------------------------------------------


@pytest.fixture
def call(rev):
    return f.open_call(rev, categories=(3,))


def under_review(call, rev, count: int) -> tuple[Application, list[Assignment]]:
    application = f.submitted(call, 3)
    services.application_pass(actor=rev, application=application)
    services.application_assign(actor=rev, application=application, experts=f.experts(count))
    application.refresh_from_db()
    return application, list(application.assignments.order_by("pk"))


def score(assignment: Assignment, total) -> Assignment:
    if assignment.status == Assignment.Status.PENDING:
        services.assignment_accept(actor=assignment.expert, assignment=assignment)
    return services.score_submit(
        actor=assignment.expert,
        assignment=assignment,
        points=f.points_for(assignment.application, total),
    )


def test_scoring_completes_only_when_every_active_expert_has_scored(call, rev):
    application, assignments = under_review(call, rev, 4)
    for assignment, total in zip(assignments[:3], [80, 70, 90], strict=True):
        score(assignment, total)
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    # The score so far is kept up to date for the ranking.
    assert (application.score_count, application.final_score) == (3, D("80.00"))

    score(assignments[3], 60)
    application.refresh_from_db()
    assert application.status == S.SCORED
    assert application.score_count == 4
    assert application.final_score == D("75.00")
    assert application.score_spread == D("30.00")


def test_scoring_completes_only_when_at_least_three_experts_scored(call, rev):
    application, assignments = under_review(call, rev, 2)
    for assignment in assignments:
        score(assignment, 80)
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert application.score_count == 2

    services.application_assign(actor=rev, application=application, experts=f.experts(1))
    third = application.assignments.get(status=Assignment.Status.PENDING)
    score(third, 71)
    application.refresh_from_db()
    assert application.status == S.SCORED
    assert application.final_score == D("77.00")


def test_a_declined_assignment_does_not_block_completion(call, rev):
    application, assignments = under_review(call, rev, 4)
    services.assignment_decline(
        actor=assignments[0].expert, assignment=assignments[0], reason="曾为申报单位提供咨询"
    )
    for assignment, total in zip(assignments[1:], [80, 70, 90], strict=True):
        score(assignment, total)
    application.refresh_from_db()
    assert application.status == S.SCORED
    assert (application.score_count, application.final_score) == (3, D("80.00"))


def test_declining_the_last_open_assignment_completes_scoring(call, rev):
    application, assignments = under_review(call, rev, 4)
    for assignment, total in zip(assignments[:3], [80, 70, 90], strict=True):
        score(assignment, total)
    services.assignment_decline(
        actor=assignments[3].expert, assignment=assignments[3], reason="时间冲突"
    )
    application.refresh_from_db()
    assert application.status == S.SCORED
    assert application.score_count == 3


def test_a_decline_leaving_fewer_than_three_scores_does_not_complete(call, rev):
    application, assignments = under_review(call, rev, 3)
    score(assignments[0], 80)
    score(assignments[1], 80)
    services.assignment_decline(
        actor=assignments[2].expert, assignment=assignments[2], reason="回避"
    )
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW


def test_five_experts_give_the_trimmed_mean(call, rev):
    application = f.scored(call, [80, 70, 90, 60, 85], actor=rev)
    assert application.status == S.SCORED
    assert application.final_score == D("78.33")
    assert application.score_spread == D("30.00")
    assert application.score_count == 5


@pytest.mark.parametrize(("points", "shown"), [(D(21), "21"), (D(-1), "-1"), (D("20.1"), "20.1")])
def test_a_score_outside_zero_to_weight_is_refused_naming_the_criterion(call, rev, points, shown):
    application, assignments = under_review(call, rev, 3)
    assignment = assignments[0]
    services.assignment_accept(actor=assignment.expert, assignment=assignment)
    given = {**f.points_for(application, 60), "basis": points}

    with pytest.raises(ValidationError) as error:
        services.score_submit(actor=assignment.expert, assignment=assignment, points=given)

    assert error.value.message_dict == {
        "points_basis": [f"“申报主体基础与能力” is scored from 0 to 20; {shown} is outside."]
    }
    assignment.refresh_from_db()
    assert assignment.status == Assignment.Status.ACCEPTED
    assert assignment.total is None
    assert not ScoreItem.objects.filter(assignment=assignment).exists()


def test_every_criterion_needs_a_score_of_at_most_one_decimal(call, rev):
    application, assignments = under_review(call, rev, 3)
    assignment = assignments[0]
    services.assignment_accept(actor=assignment.expert, assignment=assignment)
    given = f.points_for(application, 60)
    del given["plan"]
    given["budget"] = D("5.25")
    with pytest.raises(ValidationError) as error:
        services.score_submit(actor=assignment.expert, assignment=assignment, points=given)
    assert set(error.value.message_dict) == {"points_plan", "points_budget"}
    assert "实施方案可行性" in error.value.message_dict["points_plan"][0]


def test_the_weights_bound_each_criterion_and_the_total_is_their_sum(call, rev):
    _application, assignments = under_review(call, rev, 3)
    assignment = assignments[0]
    services.assignment_accept(actor=assignment.expert, assignment=assignment)
    points = {"basis": 20, "targets": 25, "plan": D("12.5"), "benefit": 0, "budget": 10}
    services.score_submit(actor=assignment.expert, assignment=assignment, points=points)
    assignment.refresh_from_db()
    assert assignment.total == D("67.5")
    assert {item.criterion_code: item.points for item in assignment.items.all()} == {
        "basis": D(20),
        "targets": D(25),
        "plan": D("12.5"),
        "benefit": D(0),
        "budget": D(10),
    }


def test_an_expert_cannot_score_twice(call, rev):
    application, assignments = under_review(call, rev, 3)
    assignment = score(assignments[0], 80)
    with pytest.raises(ValidationError, match="Score submitted"):
        services.score_submit(
            actor=assignment.expert,
            assignment=assignment,
            points=f.points_for(application, 40),
        )
    assignment.refresh_from_db()
    assert assignment.total == D(80)


def test_an_expert_cannot_score_before_declaring_no_conflict(call, rev):
    application, assignments = under_review(call, rev, 3)
    with pytest.raises(ValidationError, match="Awaiting conflict declaration"):
        services.score_submit(
            actor=assignments[0].expert,
            assignment=assignments[0],
            points=f.points_for(application, 80),
        )


def test_an_expert_cannot_score_someone_elses_assignment(call, rev):
    application, assignments = under_review(call, rev, 3)
    services.assignment_accept(actor=assignments[0].expert, assignment=assignments[0])
    with pytest.raises(PermissionDenied):
        services.score_submit(
            actor=assignments[1].expert,
            assignment=assignments[0],
            points=f.points_for(application, 80),
        )


def test_a_reviewer_reopens_a_score_and_rescoring_updates_the_final_score(call, rev):
    application = f.scored(call, [80, 70, 90], actor=rev)
    assert application.final_score == D("80.00")
    highest = application.assignments.get(total=D(90))

    services.score_reopen(actor=rev, assignment=highest, reason="评分与评语不一致，请复核")

    application.refresh_from_db()
    highest.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
    assert (application.score_count, application.final_score) == (2, D("75.00"))
    assert highest.status == Assignment.Status.ACCEPTED
    note = Notification.objects.get(recipient=highest.expert, event="project.score.reopen")
    assert note.body == "评分与评语不一致，请复核"

    score(highest, 60)
    application.refresh_from_db()
    assert application.status == S.SCORED
    assert (application.score_count, application.final_score) == (3, D("70.00"))
    assert application.score_spread == D("20.00")
    assert list(
        application.history.filter(action__in=["complete_scoring", "reopen_scoring"]).values_list(
            "action", flat=True
        )
    ) == ["complete_scoring", "reopen_scoring", "complete_scoring"]


def test_only_a_submitted_score_can_be_reopened(call, rev):
    _application, assignments = under_review(call, rev, 3)
    with pytest.raises(ValidationError):
        services.score_reopen(actor=rev, assignment=assignments[0], reason="复核")


# KPI outcome: pure -----------------------------------------------------------------------------


def outcome(comparator, target, actual, baseline=None, unit="件"):
    return scoring.kpi_outcome(
        code="k",
        name="指标",
        unit=unit,
        comparator=comparator,
        target=None if target is None else D(target),
        baseline=None if baseline is None else D(baseline),
        actual=None if actual is None else D(actual),
    )


@pytest.mark.parametrize(("actual", "met"), [(6, True), (5, True), (4, False), (0, False)])
def test_at_least(actual, met):
    result = outcome("gte", 5, actual)
    assert result.met is met
    assert result.achieved == D(actual)
    assert result.explanation == f"Actual {actual} 件 against a target of 5 件."


@pytest.mark.parametrize(
    ("actual", "growth", "met"),
    [
        (125, "25", True),
        (120, "20", True),
        (115, "15", False),
        (90, "-10", False),
        (133, "33", True),
    ],
)
def test_growth_from_the_baseline(actual, growth, met):
    result = outcome("growth", 20, actual, baseline=100, unit="%")
    assert result.met is met
    assert result.achieved == D(growth)
    assert f" is {growth}%;" in result.explanation
    assert "the target is 20%" in result.explanation
    assert "100" in result.explanation


@pytest.mark.parametrize("baseline", [None, 0])
def test_growth_without_a_baseline_is_not_met(baseline):
    result = outcome("growth", 20, 500, baseline=baseline)
    assert not result.met
    assert result.achieved is None
    assert "baseline" in result.explanation


@pytest.mark.parametrize(
    ("actual", "met", "text"), [(1, True, "Delivered."), (0, False, "Not delivered.")]
)
def test_a_deliverable_is_done_or_not(actual, met, text):
    result = outcome("done", 1, actual, unit="")
    assert result.met is met
    assert result.explanation == text


@pytest.mark.parametrize("comparator", ["gte", "growth", "done"])
def test_a_missing_actual_is_not_met(comparator):
    result = outcome(comparator, 5, None, baseline=100)
    assert not result.met
    assert result.explanation == "No actual value was reported."


def test_a_kpi_without_a_target_is_not_met():
    assert not outcome("gte", None, 10).met


def test_the_outcome_is_stored_as_json_friendly_text():
    assert outcome("growth", 20, 125, baseline=100).as_dict() == {
        "code": "k",
        "name": "指标",
        "unit": "件",
        "comparator": "growth",
        "target": "20",
        "baseline": "100",
        "actual": "125",
        "achieved": "25.00",
        "met": True,
        "explanation": "Growth from 100 to 125 is 25%; the target is 20%.",
    }
