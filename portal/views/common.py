"""What the pages of every app share: the permission check, a service's errors shown on
a form, and pagination."""

from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils.text import capfirst

from portal import formats, permissions


def permission_required(code: str) -> Callable:
    """Login, then ask the permission module; a 403 page otherwise."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not permissions.can(request.user, code):
                raise PermissionDenied(code)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def form_errors_from(form: BaseForm, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def form_error_messages(request: HttpRequest, form: BaseForm) -> None:
    """A form that is not shown again (a small form posted from another page): its errors as
    messages, each after its field's label ("年度：请填写此字段。")."""
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        text = " ".join(map(str, errors))
        messages.error(request, f"{capfirst(label)}{formats.colon()}{text}" if label else text)


def paginate(request: HttpRequest, queryset, per_page: int = 50, *, count: int | None = None):
    """A page of the list. `count`, when the caller already knows it (e.g. from cached
    figures), spares the COUNT over the whole list."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.count = count  # a cached_property: set, it is not computed
    return paginator.get_page(request.GET.get("page"))
