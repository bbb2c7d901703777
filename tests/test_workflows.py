"""Every workflow in one shape (portal/workflow.py): each transition, from each state, by each
role, is allowed or refused as its table says, and an allowed one writes exactly one history
row, the audit entry with its event, and the declared notifications.

Each record is built by a function returning it and the people around it; the expected table
(`MAY`) is written here by hand, from the rules users know (the applicant submits, the bureau
decides, the assigned expert scores), so a change of a rule or of a declaration that moves
who may do what fails here.
"""

from dataclasses import dataclass

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model

from exchange.factories import RunFactory
from exchange.workflow import RUN
from incentives.factories import ClaimFactory, little_giant
from incentives.workflow import CLAIM
from patents.models import PatentImport
from patents.workflow import PATENT_IMPORT
from portal import workflow as engine
from portal.factories import (
    ApplicantFactory,
    CityAgencyFactory,
    OrganisationFactory,
    UserFactory,
    region,
)
from portal.models import AuditEntry, Notification, Organisation, Role, StateChange
from portal.organisation_workflow import ORGANISATION
from projects import factories as pf
from projects.models import Assignment
from projects.workflow import APPLICATION, ASSIGNMENT
from reporting.factories import StatReturnFactory
from reporting.workflow import RETURN

pytestmark = pytest.mark.django_db

ROLES = ("owner", "outsider", "reviewer", "leader", "expert", "agency")


@dataclass
class Case:
    obj: Model
    people: dict[str, object]


def _people(owner, **more) -> dict[str, object]:
    return {
        "owner": owner,
        "outsider": ApplicantFactory(organisation=OrganisationFactory(region=region("610100"))),
        "reviewer": UserFactory(role=Role.REVIEWER),
        "leader": UserFactory(role=Role.LEADER),
        "expert": more.pop("expert", None) or pf.expert(),
        "agency": more.pop("agency", None) or CityAgencyFactory(region=region("610100")),
    }


def application_case() -> Case:
    call = pf.open_call(pf.reviewer())
    application = pf.submitted(call, 3)
    return Case(application, _people(application.created_by))


def assignment_case() -> Case:
    call = pf.open_call(pf.reviewer())
    application = pf.submitted(call, 3)
    expert = pf.expert()
    assignment = Assignment.objects.create(
        application=application, expert=expert, assigned_by=pf.reviewer()
    )
    return Case(assignment, _people(application.created_by, expert=expert))


def claim_case() -> Case:
    owner = little_giant()
    claim = ClaimFactory(created_by=owner, organisation=owner.organisation)
    return Case(claim, _people(owner))


def return_case() -> Case:
    agency = CityAgencyFactory(region=region("610900"))
    stat_return = StatReturnFactory()
    people = _people(agency)
    return Case(stat_return, people)


def organisation_case() -> Case:
    org = OrganisationFactory(status=Organisation.Status.PENDING)
    owner = ApplicantFactory(organisation=org)
    return Case(org, _people(owner))


def patent_import_case() -> Case:
    university = OrganisationFactory(kind=Organisation.Kind.UNIVERSITY)
    owner = ApplicantFactory(organisation=university)
    imported = PatentImport.objects.create(
        owner=university, file="patents/imports/list.xlsx", original_name="专利清单.xlsx",
        uploaded_by=owner,
    )  # fmt: skip
    return Case(imported, _people(owner))


def run_case() -> Case:
    run = RunFactory(file="exchange/list.xlsx", original_name="名单.xlsx")
    return Case(run, _people(run.created_by))


# Who may take each users' action (when the record is in one of its source states).
REVIEW = {"reviewer"}
MAY = {
    "projects.application": {
        "submit": {"owner"}, "return": REVIEW, "pass": REVIEW, "assign": REVIEW,
        "reopen_scoring": REVIEW, "approve": REVIEW, "reject": REVIEW,
        "report_progress": {"owner"}, "request_acceptance": {"owner"},
        "accept": REVIEW, "not_accept": REVIEW,
    },
    "projects.assignment": {
        "accept": {"expert"}, "decline": {"expert"}, "submit": {"expert"}, "reopen": REVIEW,
    },
    "incentives.claim": {
        "submit": {"owner"}, "approve": REVIEW, "return": REVIEW, "reject": REVIEW,
        "pay": REVIEW,
    },
    "reporting.return": {"submit": {"owner"}, "approve": REVIEW, "send_back": REVIEW},
    "portal.organisation": {"verify": REVIEW, "reject": REVIEW, "resubmit": {"owner", "reviewer"}},
    "patents.import": {"apply": {"owner"}},
    "exchange.run": {"apply": {"owner", "reviewer"}},  # the bureau runs the exchange
}  # fmt: skip
CASES = {
    APPLICATION: application_case,
    ASSIGNMENT: assignment_case,
    CLAIM: claim_case,
    RETURN: return_case,
    ORGANISATION: organisation_case,
    PATENT_IMPORT: patent_import_case,
    RUN: run_case,
}

USER_STEPS = [
    (flow, transition.action, state, role)
    for flow in CASES
    for transition in flow.transitions
    if not transition.automatic
    for state in flow.states
    for role in ROLES
]


def _in_state(case: Case, flow, state: str) -> Model:
    # Test set-up only: put the record in the state under test (the engine never does this).
    type(case.obj).objects.filter(pk=case.obj.pk).update(**{flow.field: state})
    return type(case.obj).objects.get(pk=case.obj.pk)


def _history(obj: Model):
    return StateChange.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=obj.pk
    )


def test_the_table_names_every_users_step_of_every_workflow():
    for flow in CASES:
        users_steps = {t.action for t in flow.transitions if not t.automatic}
        assert set(MAY[flow.name]) == users_steps, flow.name
    assert set(engine.workflows()) == {flow.name for flow in CASES}


@pytest.mark.parametrize(
    ("flow", "action", "state", "role"),
    USER_STEPS,
    ids=[f"{f.name}-{a}-{s}-{r}" for f, a, s, r in USER_STEPS],
)
def test_each_step_from_each_state_by_each_role(flow, action, state, role):
    case = CASES[flow]()
    obj = _in_state(case, flow, state)
    actor = case.people[role]
    transition = flow.transition(action)
    expected = state in transition.sources and role in MAY[flow.name][action]
    assert engine.allowed(flow, actor, obj, action) == expected
    assert (action in {t.action for t in engine.available(flow, actor, obj)}) == expected
    history, audit = _history(obj).count(), AuditEntry.objects.count()
    notes = Notification.objects.filter(event=transition.event).count()
    if not expected:
        with pytest.raises((PermissionDenied, ValidationError)):
            engine.apply(flow, actor=actor, obj=obj, action=action, reason="理由")
        assert getattr(type(obj).objects.get(pk=obj.pk), flow.field) == state
        assert _history(obj).count() == history
        return
    engine.apply(flow, actor=actor, obj=obj, action=action, reason="理由")
    assert getattr(type(obj).objects.get(pk=obj.pk), flow.field) == transition.target
    change = _history(obj).latest("pk")
    assert _history(obj).count() == history + 1
    assert (change.action, change.from_state, change.to_state) == (action, state, transition.target)
    assert change.actor == actor and change.reason == "理由"
    entry = AuditEntry.objects.latest("pk")
    assert AuditEntry.objects.count() == audit + 1
    assert entry.event == transition.event and entry.target_id == str(obj.pk)
    assert entry.actor == actor
    if transition.notify is not None:
        recipients = [u for u in transition.notify(obj) if u.is_active]
        assert Notification.objects.filter(event=transition.event).count() == notes + len(
            recipients
        )


REASONED = [(flow, t.action) for flow in CASES for t in flow.transitions if t.reason_required]


@pytest.mark.parametrize(("flow", "action"), REASONED, ids=[f"{f.name}-{a}" for f, a in REASONED])
def test_a_step_that_needs_a_reason_refuses_a_blank_one(flow, action):
    case = CASES[flow]()
    transition = flow.transition(action)
    obj = _in_state(case, flow, sorted(transition.sources)[0])
    actor = case.people[sorted(MAY[flow.name][action])[0]]
    before = _history(obj).count()
    with pytest.raises(ValidationError) as refused:
        engine.apply(flow, actor=actor, obj=obj, action=action, reason="  ")
    assert "reason" in refused.value.message_dict
    assert _history(obj).count() == before


AUTOMATIC = [
    (flow, t.action, state)
    for flow in CASES
    for t in flow.transitions
    if t.automatic
    for state in flow.states
]


@pytest.mark.parametrize(
    ("flow", "action", "state"), AUTOMATIC, ids=[f"{f.name}-{a}-{s}" for f, a, s in AUTOMATIC]
)
def test_an_automatic_step_is_the_portals_own_act(flow, action, state):
    case = CASES[flow]()
    obj = _in_state(case, flow, state)
    transition = flow.transition(action)
    cause = case.people["reviewer"]
    for role in ROLES:  # nobody takes it by hand
        assert not engine.allowed(flow, case.people[role], obj, action)
        with pytest.raises(PermissionDenied):
            engine.apply(flow, actor=case.people[role], obj=obj, action=action, reason="x")
    if state not in transition.sources:
        with pytest.raises(ValidationError):
            engine.apply(flow, actor=cause, obj=obj, action=action, reason="x", automatic=True)
        return
    engine.apply(flow, actor=cause, obj=obj, action=action, reason="自动", automatic=True)
    change = _history(obj).latest("pk")
    assert change.action == action
    assert change.actor is None and change.payload["cause"] == cause.get_username()
    entry = AuditEntry.objects.latest("pk")
    assert entry.event == transition.event and entry.actor is None
    assert entry.actor_label == engine.PORTAL_LABEL


def test_a_stranger_learns_nothing_about_the_state():
    """Refused before the state is read: an outsider gets the same refusal in every state."""
    for flow, build in CASES.items():
        if flow.view_permission is None:
            continue
        case = build()
        action = next(t.action for t in flow.transitions if not t.automatic)
        answers = set()
        for state in flow.states:
            obj = _in_state(case, flow, state)
            with pytest.raises(PermissionDenied) as refused:
                engine.apply(flow, actor=case.people["outsider"], obj=obj, action=action)
            answers.add(str(refused.value))
        assert len(answers) == 1, flow.name


def test_states_and_steps_are_declared_once():
    for flow in CASES:
        pairs = [(t.action, s) for t in flow.transitions for s in t.sources]
        assert len(pairs) == len(set(pairs))
        assert all(t.event for t in flow.transitions)
        events = [t.event for t in flow.transitions]
        assert len(events) == len(set(events)), flow.name
    names = [flow.name for flow in CASES]
    assert len(names) == len(set(names))


# Where a status may be written outside the engine: a record being created in the state it
# reached in the past (demo and benchmark data, bulk-created with its history), marked on the
# line; and export jobs, whose queued/running/done is a worker's progress, not a life cycle.
INITIAL_STATE = "# initial state of a new record"
JOBS = {"reporting/services/operations.py"}  # export jobs and reminders only


def test_no_status_is_assigned_outside_the_engine():
    """`grep` for it, in every module of the apps, demo and bench (not tests, not migrations)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    fields = {flow.field for flow in engine.workflows().values()}
    found = []
    for app in ("portal", "projects", "patents", "incentives", "reporting", "exchange", "demo",
                "bench", "config"):  # fmt: skip
        for path in sorted((root / app).rglob("*.py")):
            relative = str(path.relative_to(root))
            if (
                "/tests/" in relative
                or "/migrations/" in relative
                or relative in JOBS
                or relative == "portal/workflow.py"
            ):
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for node in ast.walk(ast.parse("\n".join(lines))):
                targets = []
                if isinstance(node, ast.Assign):
                    for target in node.targets:
                        targets += target.elts if isinstance(target, ast.Tuple) else [target]
                elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                    targets = [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and target.attr in fields:
                        line = lines[node.lineno - 1]
                        allowed = INITIAL_STATE in line and path.name in {
                            "demo.py",
                            "incentives.py",
                        }
                        if not allowed:
                            found.append(f"{relative}:{node.lineno}: {line.strip()}")
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "update"
                    and any(k.arg in fields for k in node.keywords)
                ):
                    found.append(f"{relative}:{node.lineno}: {lines[node.lineno - 1].strip()}")
    assert found == []


def test_after_commit_effects_run_only_after_the_commit(django_capture_on_commit_callbacks):
    """An approval's recompute is queued with the commit, never for a rolled-back step."""
    from django.db import transaction

    case = return_case()
    obj = _in_state(case, RETURN, "submitted")
    reviewer = case.people["reviewer"]
    ran: list = []
    effect_flow = engine.Workflow(
        name="tests.return-effects",
        model=type(obj),
        transitions=(
            engine.Transition(
                action="approve", sources=frozenset({"submitted"}), target="approved",
                permission="reporting.return.decide", label="approve",
                event=RETURN.transition("approve").event, after_commit=(ran.append,),
            ),
        ),
    )  # fmt: skip
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    engine.apply(effect_flow, actor=reviewer, obj=obj, action="approve")
                    assert ran == []  # not before the commit
                    raise RuntimeError
            except RuntimeError:
                pass
        assert ran == [] and callbacks == []  # rolled back: nothing queued
        obj = _in_state(case, RETURN, "submitted")
        with django_capture_on_commit_callbacks(execute=True):
            engine.apply(effect_flow, actor=reviewer, obj=obj, action="approve")
            assert ran == []
        assert [o.pk for o in ran] == [obj.pk]
    finally:
        engine._REGISTRY.pop("tests.return-effects", None)


# Each workflow's history is read on its record's page and in the API ---------------------------

PAGES = {
    APPLICATION: ("projects:application_detail", "owner", "/api/v1/applications/{pk}/"),
    ASSIGNMENT: ("projects:assignment_detail", "expert", "/api/v1/reviews/{pk}/"),
    CLAIM: ("incentives:claim_detail", "owner", "/api/v1/claims/{pk}/"),
    RETURN: ("reporting:return_detail", "owner", "/api/v1/returns/{pk}/"),
    ORGANISATION: ("portal:organisation_detail", "reviewer", "/api/v1/organisations/{pk}/"),
}


@pytest.mark.parametrize("flow", list(PAGES), ids=[f.name for f in PAGES])
def test_the_history_is_on_the_records_page_and_in_its_api(client, flow):
    from django.urls import reverse
    from rest_framework.test import APIClient

    case = CASES[flow]()
    transition = next(t for t in flow.transitions if not t.automatic and t.reason_required)
    source = sorted(transition.sources)[0]
    obj = _in_state(case, flow, source)
    actor = case.people[sorted(MAY[flow.name][transition.action])[0]]
    engine.apply(flow, actor=actor, obj=obj, action=transition.action, reason="请补充附件")
    name, reader, api = PAGES[flow]
    client.force_login(case.people[reader])
    page = client.get(reverse(name, args=[obj.pk])).content.decode()
    history = page[page.index('data-testid="history"') :]
    assert "请补充附件" in history and str(flow.state_label(transition.target)) in history
    api_client = APIClient()
    api_client.force_authenticate(case.people[reader])
    body = api_client.get(api.format(pk=obj.pk)).json()
    assert [step["reason"] for step in body["history"]][-1] == "请补充附件"
    assert body["history"][-1][
        "to_state" if "to_state" in body["history"][-1] else "to_status"
    ] == (transition.target)


def test_imports_and_runs_show_their_history_on_their_lists(client):
    from django.urls import reverse

    from portal.imports import record_failure

    imported = patent_import_case()
    record_failure(PatentImport, imported.obj.pk, ValueError("第 5 行出错"))
    client.force_login(imported.people["owner"])
    page = client.get(reverse("patents:import")).content.decode()
    rows = page[page.index('data-testid="imports"') :]
    assert "第 5 行出错" in rows and 'data-action="fail"' in rows

    run = run_case()
    engine.apply(RUN, actor=run.people["owner"], obj=run.obj, action="apply")
    client.force_login(run.people["owner"])
    page = client.get(reverse("exchange:run_list")).content.decode()
    assert 'data-action="apply"' in page[page.index(f'data-run="{run.obj.pk}"') :]
