from django import template

from portal import permissions

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context, code: str, obj=None) -> bool:
    """`{% can "organisation.verify" org as may_verify %}`: the permission module, in templates."""
    request = context.get("request")
    return permissions.can(getattr(request, "user", None), code, obj)


@register.simple_tag(takes_context=True)
def available_actions(context, obj) -> frozenset[str]:
    """`{% available_actions assignment as acts %}{% if "accept" in acts %}`: what the user may
    do to a record with a workflow now (portal/workflow.py), never derived from its status."""
    from portal import workflow

    request = context.get("request")
    flow = workflow.workflow_of(obj)
    return frozenset(
        t.action for t in workflow.available(flow, getattr(request, "user", None), obj)
    )


@register.simple_tag
def workflow_history(obj) -> list:
    """`{% workflow_history obj as history %}`: a record's history, oldest first."""
    from portal import workflow

    return workflow.history(obj)


@register.filter
def get_item(mapping, key):
    """`form|get_item:name` (a bound field) or `dict|get_item:key`; None when missing."""
    try:
        return mapping[key]
    except (KeyError, TypeError):
        return None


@register.filter
def recorded(text) -> str:
    """`{{ note.title|recorded }}`: text the portal stored earlier, with its dates and periods
    in the reader's conventions (portal.formats.recorded)."""
    from portal import formats

    return formats.recorded(text) if text else ""
