"""Validators for identifiers the portal must never store wrong (DOMAIN.md §8).

Each validator normalises its input and either returns the normalised value or raises a
`ValidationError` whose message says what is wrong, so the form field or Excel cell can show it.
"""

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
