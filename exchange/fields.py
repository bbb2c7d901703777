"""Column types and transformations of a mapping: read a cell into a portal value, or write a
portal value back into a cell. Pure except `region_code`, which looks up former codes.

A column is a dict: {"header": "统一社会信用代码", "field": "credit_code", "type": "credit_code",
"required": true, "choices": {"是": true}, "transform": "wan_to_yuan"}. `read` raises
`CellError` with a message naming what is wrong; the reader adds the cell.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal import dates
from portal.identifiers import normalise_credit_code, parse_patent_number
from portal.numbers import NumberError, parse_number

WAN = Decimal(10_000)


class CellError(ValueError):
    def __init__(self, message: str, importance: str = "blocking") -> None:
        super().__init__(message)
        self.message = message
        self.importance = importance


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value: Any) -> date:
    """2024-03-05, 2024/3/5, 2024.3.5, 2024年3月5日, 20240305 or a date cell (portal.dates)."""
    try:
        found = dates.read_date(value)
    except ValueError:
        found = None
    if found is None:
        raise CellError(dates.not_a_date(text(value)))
    return found


def _number(value: Any, *, integer: bool) -> Decimal:
    try:
        found = parse_number(value, integer=integer)
    except NumberError as error:
        raise CellError(error.message) from error
    if found is None:
        raise CellError(_("The cell is empty."))
    return found


def _credit_code(value: Any) -> str:
    try:
        return normalise_credit_code(text(value))
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from error


def _patent_number(value: Any) -> str:
    try:
        return parse_patent_number(text(value)).number
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from error


def _region_code(value: Any) -> str:
    """A GB/T 2260 code or an internal one; a former code (旬阳县 610928) becomes today's."""
    from portal.models import Region, RegionCodeAlias

    code = text(value)
    if Region.objects.filter(code=code).exists():
        return code
    alias = RegionCodeAlias.objects.filter(code=code).select_related("region").first()
    if alias is not None:
        return alias.region.code
    raise CellError(_("“%(value)s” is not a region code.") % {"value": code})


READERS: dict[str, Callable[[Any], Any]] = {
    "text": text,
    "integer": lambda value: int(_number(value, integer=True)),
    "decimal": lambda value: _number(value, integer=False),
    "date": _date,
    "credit_code": _credit_code,
    "patent_number": _patent_number,
    "region_code": _region_code,
}
TYPES = [
    ("text", _("text")),
    ("integer", _("whole number")),
    ("decimal", _("number")),
    ("date", _("date")),
    ("bool", _("yes / no")),
    ("choice", _("one of the allowed values")),
    ("credit_code", _("unified social credit code")),
    ("patent_number", _("patent application number")),
    ("region_code", _("region code (former codes mapped)")),
]
TRANSFORMS = [
    ("", _("none")),
    ("wan_to_yuan", _("万元 in the file, yuan in the portal")),
    ("upper", _("upper case")),
    ("list", _("several values separated by ; or ；")),
]
YES = {"是", "y", "yes", "true", "1", "√", "有"}
NO = {"否", "n", "no", "false", "0", "×", "无", ""}


def read(column: dict, value: Any) -> Any:
    """The portal value of one cell, or None for an empty optional cell."""
    kind = column.get("type", "text")
    empty = value is None or (isinstance(value, str) and not value.strip())
    if empty:
        if column.get("required"):
            raise CellError(_("“%(header)s” is required.") % {"header": column["header"]})
        return None
    if column.get("transform") == "list":
        parts = [p for p in text(value).replace("；", ";").split(";") if p.strip()]
        return [read({**column, "transform": ""}, part.strip()) for part in parts]
    if kind == "bool":
        lowered = text(value).lower()
        if lowered in YES:
            return True
        if lowered in NO:
            return False
        raise CellError(_("Write 是 or 否, not “%(value)s”.") % {"value": text(value)})
    if kind == "choice":
        choices = column.get("choices") or {}
        key = text(value)
        if key not in choices:
            raise CellError(
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": key, "allowed": "、".join(choices)}
            )
        return choices[key]
    found = READERS[kind](value)
    transform = column.get("transform", "")
    if transform == "wan_to_yuan":
        found = (found * WAN).quantize(Decimal("0.01"))
    elif transform == "upper" and isinstance(found, str):
        found = found.upper()
    return found


def write(column: dict, value: Any) -> Any:
    """The cell for a portal value (the inverse of `read`)."""
    if value is None:
        return None
    if column.get("transform") == "list" and isinstance(value, list | tuple):
        return ";".join(str(write({**column, "transform": ""}, v)) for v in value)
    kind = column.get("type", "text")
    if kind == "bool":
        return "是" if value else "否"
    if kind == "choice":
        reverse = {v: k for k, v in (column.get("choices") or {}).items()}
        return reverse.get(value, value)
    if column.get("transform") == "wan_to_yuan":
        value = (Decimal(value) / WAN).normalize()
        return float(value) if value != value.to_integral() else int(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral() else float(value)
    return value
