"""Access rules of the projects app, registered with the portal's one permission module.

Imported from ProjectsConfig.ready(); views, the API and templates ask `portal.permissions.can`.
"""

from django.db.models import Q, QuerySet

from portal.models import Organisation, Role, User
from portal.permissions import rule, scoper
from projects.models import Application, Assignment

SEE_ALL = {Role.REVIEWER, Role.LEADER}
# An expert sees an application only after declaring no conflict of interest.
EXPERT_CAN_READ = (Assignment.Status.ACCEPTED, Assignment.Status.SUBMITTED)


def _member(user: User, application: Application) -> bool:
    return user.role == Role.APPLICANT and user.organisation_id == application.lead_organisation_id


@rule("project.category.view")
def _view_categories(user: User, obj: None) -> bool:
    return user.role in {Role.APPLICANT, Role.REVIEWER, Role.EXPERT, Role.LEADER}


@rule("project.category.edit")
def _edit_category(user: User, obj: None) -> bool:
    return user.role == Role.REVIEWER


@rule("project.call.view")
def _view_calls(user: User, obj: None) -> bool:
    return user.role in {Role.APPLICANT, Role.REVIEWER, Role.LEADER}


@rule("project.call.manage")
def _manage_calls(user: User, obj: None) -> bool:
    return user.role == Role.REVIEWER


@rule("project.application.list")
def _list_applications(user: User, obj: None) -> bool:
    return user.role in {Role.APPLICANT, Role.REVIEWER, Role.LEADER}


@rule("project.application.create")
def _create_application(user: User, obj: None) -> bool:
    """Declaring needs an organisation the bureau verified (organisation.submit)."""
    return (
        user.role == Role.APPLICANT
        and user.organisation is not None
        and user.organisation.status == Organisation.Status.VERIFIED
    )


@scoper("project.application.view")
def _applications_visible(user: User, queryset: QuerySet) -> QuerySet:
    if user.role in SEE_ALL:
        return queryset
    if user.role == Role.APPLICANT and user.organisation_id:
        return queryset.filter(
            Q(lead_organisation_id=user.organisation_id)
            | Q(joint_organisations=user.organisation_id)
        ).distinct()
    if user.role == Role.EXPERT:
        return queryset.filter(
            assignments__expert=user, assignments__status__in=EXPERT_CAN_READ
        ).distinct()
    return queryset.none()


@rule("project.application.view")
def _view_application(user: User, application: Application) -> bool:
    if user.role in SEE_ALL:
        return True
    if user.role == Role.APPLICANT:
        return _member(user, application) or (
            user.organisation_id is not None
            and application.joint_organisations.filter(pk=user.organisation_id).exists()
        )
    if user.role == Role.EXPERT:
        return application.assignments.filter(expert=user, status__in=EXPERT_CAN_READ).exists()
    return False


@rule("project.application.edit")
def _edit_application(user: User, application: Application) -> bool:
    return _member(user, application) and application.is_editable


@rule("project.application.submit")
def _submit_application(user: User, application: Application) -> bool:
    return _edit_application(user, application) and _create_application(user, None)


@rule("project.application.review")
def _review_application(user: User, application: Application | None) -> bool:
    return user.role == Role.REVIEWER


@rule("project.application.report")
def _report_on_project(user: User, application: Application) -> bool:
    return _member(user, application) and application.status in {
        Application.Status.APPROVED,
        Application.Status.IN_EXECUTION,
    }


@rule("project.application.scores")
def _see_scores(user: User, application: Application | None) -> bool:
    """Who may see every expert's scores: the bureau and leaders, never applicants."""
    return user.role in SEE_ALL


@rule("project.ranking.view")
def _view_ranking(user: User, obj: None) -> bool:
    return user.role in SEE_ALL


@rule("project.assignment.list")
def _list_assignments(user: User, obj: None) -> bool:
    return user.role == Role.EXPERT


@scoper("project.assignment.view")
def _assignments_visible(user: User, queryset: QuerySet) -> QuerySet:
    if user.role == Role.EXPERT:
        return queryset.filter(expert=user)
    if user.role in SEE_ALL:
        return queryset
    return queryset.none()


@rule("project.assignment.view")
def _view_assignment(user: User, assignment: Assignment) -> bool:
    return assignment.expert_id == user.pk or user.role in SEE_ALL


@rule("project.assignment.respond")
def _respond_to_assignment(user: User, assignment: Assignment) -> bool:
    return assignment.expert_id == user.pk and assignment.status == Assignment.Status.PENDING


@rule("project.assignment.reopen")
def _reopen_score(user: User, assignment: Assignment) -> bool:
    """A reviewer sends a submitted score back to its expert."""
    return user.role == Role.REVIEWER


@rule("project.assignment.score")
def _score(user: User, assignment: Assignment) -> bool:
    return (
        user.role == Role.EXPERT
        and assignment.expert_id == user.pk
        and assignment.status == Assignment.Status.ACCEPTED
    )
