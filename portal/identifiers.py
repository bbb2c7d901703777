"""Validators for identifiers the portal must never store wrong (DOMAIN.md §8).

Each validator normalises its input and either returns the normalised value or raises a
`ValidationError` whose message says what is wrong, so the form field or Excel cell can show it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# GB 32100-2015: the code alphabet omits I, O, Z, S and V.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# First character: the registering department (GB 32100-2015, table 1).
CREDIT_CODE_DEPARTMENTS = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "市场监督管理",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}


def credit_code_check_character(first17: str) -> str:
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    """Validate a unified social credit code (统一社会信用代码, GB 32100-2015).

    Lower case is accepted and upper-cased; anything else that fails is refused.
    """
    code = (value or "").strip().upper()
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; %(value)s has %(count)d.")
            % {"value": code or "''", "count": len(code)},
            code="credit_code_length",
        )
    bad = sorted({char for char in code if char not in CREDIT_CODE_ALPHABET})
    if bad:
        raise ValidationError(
            _("%(value)s contains characters not allowed in a credit code: %(chars)s.")
            % {"value": code, "chars": " ".join(bad)},
            code="credit_code_alphabet",
        )
    if code[0] not in CREDIT_CODE_DEPARTMENTS:
        raise ValidationError(
            _("%(value)s starts with %(char)s, which is not a registering department code.")
            % {"value": code, "char": code[0]},
            code="credit_code_department",
        )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character of %(value)s is wrong: it should be %(expected)s, "
                "not %(actual)s. Please check the code for a typing error."
            )
            % {"value": code, "expected": expected, "actual": code[17]},
            code="credit_code_check",
        )
    return code


def validate_credit_code(value: str) -> None:
    """Model-field validator form of `normalise_credit_code`."""
    normalise_credit_code(value)


# Chinese patent application numbers (CNIPA, since 2003-10-01: 12 digits, a dot, a check
# character; before that, 8 digits). The type digit is the 5th of 12 (3rd of 8).
PATENT_WEIGHTS_12 = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)
PATENT_WEIGHTS_8 = (2, 3, 4, 5, 6, 7, 8, 9)
PATENT_TYPES = {
    "1": "invention",
    "2": "utility_model",
    "3": "design",
    "8": "invention",  # PCT invention entering China
    "9": "utility_model",  # PCT utility model entering China
}


@dataclass(frozen=True)
class PatentNumber:
    number: str  # normalised: digits, a dot, the check character ("202110182616.5")
    kind: str  # invention / utility_model / design / other
    warning: str = ""


def patent_check_character(digits: str) -> str:
    weights = PATENT_WEIGHTS_12 if len(digits) == 12 else PATENT_WEIGHTS_8
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if remainder == 10 else str(remainder)


def parse_patent_number(value: str) -> PatentNumber:
    """Validate and normalise a Chinese patent application number (DOMAIN.md §8).

    `ZL`/`CN` prefixes, spaces and a missing dot are accepted; the check character must match.
    An unknown type digit is accepted with a warning, not refused.
    """
    raw = (value or "").strip().upper().replace(" ", "")
    text = raw
    for prefix in ("ZL", "CN"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if "." in text:
        digits, _dot, check = text.partition(".")
    else:
        digits, check = text[:-1], text[-1:]
    if not digits.isdigit() or len(digits) not in (8, 12) or len(check) != 1:
        raise ValidationError(
            _(
                "%(value)s is not a patent application number: expected 12 digits (or 8 for "
                "numbers before 2003), a dot and a check character, e.g. 202110182616.5."
            )
            % {"value": raw or "''"},
            code="patent_number_format",
        )
    expected = patent_check_character(digits)
    if check != expected:
        raise ValidationError(
            _(
                "The check character of %(value)s is wrong: "
                "it should be %(expected)s, not %(actual)s."
            )
            % {"value": f"{digits}.{check}", "expected": expected, "actual": check},
            code="patent_number_check",
        )
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    kind = PATENT_TYPES.get(type_digit, "other")
    warning = (
        ""
        if kind != "other"
        else _("%(value)s has type digit %(digit)s, which is not a known patent type.")
        % {"value": f"{digits}.{check}", "digit": type_digit}
    )
    return PatentNumber(number=f"{digits}.{check}", kind=kind, warning=warning)
