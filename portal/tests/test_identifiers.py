import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.identifiers import normalise_credit_code


@pytest.mark.parametrize("code", ["916101315784145092", "91350100M000100Y43", "9144030071526726XG"])
def test_valid_credit_codes_pass(code):
    assert normalise_credit_code(code) == code


def test_lower_case_is_upper_cased():
    assert normalise_credit_code(" 9144030071526726xg ") == "9144030071526726XG"


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("916101315784145093", "credit_code_check"),  # one digit off
        ("9161013157841450", "credit_code_length"),  # too short
        ("9161013157841450921", "credit_code_length"),  # too long
        ("", "credit_code_length"),
        ("91610131578414509I", "credit_code_alphabet"),  # I is not in the alphabet
        ("9161013157841450O2", "credit_code_alphabet"),  # nor O
        ("9161013157841450S2", "credit_code_alphabet"),  # nor S
        ("916101315784145-92", "credit_code_alphabet"),
        ("Z16101315784145092", "credit_code_alphabet"),
        ("B16101315784145092", "credit_code_department"),  # B is in the alphabet, not a dept
    ],
)
def test_invalid_credit_codes_are_refused_with_a_reason(code, reason):
    with pytest.raises(ValidationError) as error:
        normalise_credit_code(code)
    assert error.value.code == reason
    assert code.strip().upper()[:18] in error.value.messages[0] or not code


def test_check_character_message_names_the_expected_character_in_both_languages():
    for language, word in (("en", "check character"), ("zh-hans", "校验位")):
        with translation.override(language), pytest.raises(ValidationError) as error:
            normalise_credit_code("916101315784145093")
        message = error.value.messages[0]
        assert word in message and "2" in message and "3" in message
