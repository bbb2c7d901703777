"""Reading a number a person typed into an Excel cell or a web form.

Cities fill statistics returns in Excel with a Chinese input method switched on, so the same
figure arrives as 1234, "1,234", "１，２３４", " 1234 " or "1234%". Those are read. What is never
done is guessing: "1,23" or "1.234,5" could be European notation or a typo, "12万" depends on a
unit the cell already has, and 1e5 is not how anyone writes a count. Those are refused with a
message quoting the cell as typed, because a wrong figure accepted silently ends up in a
provincial report, while a refused one costs the city one correction.
"""

import math
import re
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext as _

# Minus signs that NFKC leaves alone but people paste from Word or web pages.
MINUS_SIGNS = {"\u2212": "-", "\uff0d": "-"}
# Whitespace around a cell's text (str.strip covers U+3000 and NBSP) and invisible characters
# that copying from a web page leaves behind.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
PLAIN = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
# Thousands separators in groups of three, the first group not starting with 0 ("0,123" is a
# European 0.123 as much as it is 123).
GROUPED = re.compile(r"[1-9][0-9]{0,2}(?:,[0-9]{3})+(?:\.[0-9]*)?")
ALLOWED = frozenset("0123456789,.")
# "12万" in a 万元 row is 12, in a 元 row 120000: the unit belongs to the row, never the cell.
LARGE_UNITS = frozenset("万萬亿億")


class NumberError(ValueError):
    """A cell that is not a number we can read; `message` is translated and shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _not_a_number(raw: object) -> NumberError:
    return NumberError(_("“%(value)s” is not a number.") % {"value": raw})


def _whole(value: Decimal, raw: object, integer: bool) -> Decimal:
    if not integer:
        return value
    if value != value.to_integral_value():
        raise NumberError(_("“%(value)s” is not a whole number.") % {"value": raw})
    # Decimal(int) rather than Decimal("12.0"), so the value stores and prints as 12.
    return Decimal(int(value))


def _typeable(char: str) -> bool:
    """ASCII, whitespace or a full-width form: what a keyboard or a Chinese input method gives.

    NFKC also turns "²", "①" or "𝟏" into digits; nobody types those as a figure, so a cell
    holding one is refused rather than read as a number it only resembles.
    """
    return (
        char.isascii()
        or char.isspace()
        or "\uff00" <= char <= "\uffef"
        or char in MINUS_SIGNS
        or char in INVISIBLE
    )


def _parse_text(raw: str) -> Decimal | None:
    if any(char in LARGE_UNITS for char in raw):
        raise NumberError(
            _("“%(value)s”: leave out 万 and 亿 and write the number in the unit of the row.")
            % {"value": raw}
        )
    if not all(_typeable(char) for char in raw):
        raise _not_a_number(raw)
    text = unicodedata.normalize("NFKC", raw)
    for sign, ascii_sign in MINUS_SIGNS.items():
        text = text.replace(sign, ascii_sign)
    text = text.strip().strip(INVISIBLE).strip()
    if not text:
        return None
    # The unit comes from the element (%, 件, 万元), not from the cell: the % is only dropped.
    if text.endswith("%"):
        text = text[:-1].rstrip()
    negative = text[:1] == "-"
    if text[:1] in {"+", "-"}:
        text = text[1:]
    if not text or not set(text) <= ALLOWED:
        raise _not_a_number(raw)
    if "," in text:
        if not GROUPED.fullmatch(text):
            raise NumberError(
                _("“%(value)s”: the comma is ambiguous; write 1234.5 or 1,234.5.") % {"value": raw}
            )
        text = text.replace(",", "")
    elif not PLAIN.fullmatch(text):
        raise _not_a_number(raw)
    value = Decimal(text)
    # "-0" is zero: no negative zero in stored figures.
    return -value if negative and value else abs(value)


def parse_number(raw: object, *, integer: bool) -> Decimal | None:
    """The number in `raw` as a Decimal, None for an empty cell; `NumberError` if unreadable.

    `integer=True` is for counts (件, 家, 人次): 12.5 patents is a typing error, not a value.
    Excel hands over numbers as int or float; a float is read through its repr so that 0.1 is
    0.1 and not 0.1000000000000000055511151231257827.
    """
    if raw is None:
        return None
    # bool is an int subclass: True is not the figure 1.
    if isinstance(raw, bool):
        raise _not_a_number(raw)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise _not_a_number(raw)
        value = Decimal(int(raw)) if raw.is_integer() else Decimal(repr(raw))
        return _whole(value, raw, integer)
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            raise _not_a_number(raw)
        return _whole(raw, raw, integer)
    if isinstance(raw, str):
        parsed = _parse_text(raw)
        return None if parsed is None else _whole(parsed, raw, integer)
    raise _not_a_number(raw)


def row_id(value: object) -> int:
    """A database id read from untrusted input (a form field, a JSON body), or 0, which no row
    has: never a number the database refuses to compare (an OverflowError is a 500)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return 0
    return number if 0 < number < 2**63 else 0
