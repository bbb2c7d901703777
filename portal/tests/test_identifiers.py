import pytest
from django.core.exceptions import ValidationError

from portal.identifiers import normalise_credit_code


@pytest.mark.parametrize("code", ["916101315784145092", "91350100M000100Y43", "9144030071526726XG"])
def test_valid_credit_codes_pass(code):
    assert normalise_credit_code(code) == code


def test_lower_case_is_upper_cased():
    assert normalise_credit_code(" 9144030071526726xg ") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("916101315784145093", "check character"),  # one digit off
        ("9161013157841450", "18 characters"),  # too short
        ("9161013157841450921", "18 characters"),  # too long
        ("", "18 characters"),
        ("91610131578414509I", "not allowed"),  # I is not in the alphabet
        ("9161013157841450O2", "not allowed"),  # nor O
        ("9161013157841450S2", "not allowed"),  # nor S
        ("916101315784145-92", "not allowed"),
        ("Z16101315784145092", "not allowed"),
        ("B16101315784145092", "registering department"),  # B is in the alphabet, not a dept
    ],
)
def test_invalid_credit_codes_are_refused_with_a_reason(code, fragment):
    with pytest.raises(ValidationError) as error:
        normalise_credit_code(code)
    assert fragment in " ".join(error.value.messages)


def test_check_character_message_names_the_expected_character():
    with pytest.raises(ValidationError) as error:
        normalise_credit_code("916101315784145093")
    assert "2" in error.value.messages[0] and "3" in error.value.messages[0]
