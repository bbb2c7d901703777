"""The projects app's panels on the home page: each role's work queue."""

from django.utils import timezone

from portal.home import HomePanel, register
from portal.models import User
from projects import selectors
from projects.models import Application, Assignment

S = Application.Status


def _applicant(user: User) -> dict:
    return {
        "applications": list(selectors.application_list(user=user)[:5]),
        "open_lots": list(selectors.open_lots()),
    }


def _reviewer(user: User) -> dict:
    counts = selectors.status_counts(user=user)
    return {
        "queue": [
            (S.SUBMITTED, S.SUBMITTED.label, counts.get(S.SUBMITTED, 0)),
            (S.FORMAL_PASSED, S.FORMAL_PASSED.label, counts.get(S.FORMAL_PASSED, 0)),
            (S.SCORED, S.SCORED.label, counts.get(S.SCORED, 0)),
            (
                S.ACCEPTANCE_SUBMITTED,
                S.ACCEPTANCE_SUBMITTED.label,
                counts.get(S.ACCEPTANCE_SUBMITTED, 0),
            ),
        ],
        "overdue": len(selectors.overdue_projects(user=user, today=timezone.localdate())),
    }


def _expert(user: User) -> dict:
    return {
        "todo": list(
            selectors.assignment_list(user=user).filter(
                status__in=(Assignment.Status.PENDING, Assignment.Status.ACCEPTED)
            )[:10]
        )
    }


def _summary(user: User) -> dict:
    counts = selectors.status_counts(user=user)
    return {"rows": [(code, label, counts.get(code, 0)) for code, label in S.choices]}


def register_panels() -> None:
    register(
        HomePanel(
            "projects-applicant",
            "projects/home/applicant.html",
            "project.application.create",
            _applicant,
            order=10,
        )
    )
    register(
        HomePanel(
            "projects-reviewer",
            "projects/home/reviewer.html",
            "project.application.review",
            _reviewer,
            order=10,
        )
    )
    register(
        HomePanel(
            "projects-expert", "projects/home/expert.html", "project.assignment.list", _expert
        )
    )
    register(
        HomePanel(
            "projects-summary",
            "projects/home/summary.html",
            "project.ranking.view",
            _summary,
            order=20,
        )
    )
