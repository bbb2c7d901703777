"""Writing generated history with its own dates.

`auto_now_add` / `auto_now` fields stamp every row with the moment it is saved, which would date
three years of applications and claims all to the minute the dataset was generated. Inside
`as_given(Model, ...)` those fields take the value set on the instance instead (bulk_create
calls the same pre_save hook, so this is the one place to turn it off).
"""

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def as_given(*models) -> Iterator[None]:
    fields = [
        field
        for model in models
        for field in model._meta.concrete_fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ]
    saved = [(field, field.auto_now, field.auto_now_add) for field in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add
