"""Every write of the patent pool, by room: pool (imports, screening), needs (needs, matching,
feedback), conversions (events recorded or registered), pushes. Callers use `services.<name>`."""

from patents.services import conversions, needs, pool, pushes
from patents.services.conversions import (
    CONVERSION_FIELDS,
    CONVERSION_REQUIRED,
    conversion_end,
    conversion_record,
)
from patents.services.needs import (
    feedback_give,
    need_create,
    needs_match,
    tier_from_feedback,
)
from patents.services.pool import (
    ImportResult,
    patent_import_apply,
    patent_import_check,
    patent_screen,
)
from patents.services.pushes import patent_push

__all__ = [
    "CONVERSION_FIELDS",
    "CONVERSION_REQUIRED",
    "ImportResult",
    "conversion_end",
    "conversion_record",
    "conversions",
    "feedback_give",
    "need_create",
    "needs",
    "needs_match",
    "patent_import_apply",
    "patent_import_check",
    "patent_push",
    "patent_screen",
    "pool",
    "pushes",
    "tier_from_feedback",
]
