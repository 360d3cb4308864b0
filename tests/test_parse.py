"""German number parsing: table of what people type, and properties over generated numbers."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis import codebook
from analysis.parse import parse_number
from tests.budget import examples

MISSING = codebook.load().missing_codes


@pytest.mark.parametrize(
    "text, value, logged",
    [
        ("12", 12.0, False),
        ("3,5", 3.5, False),
        ("1.5", 1.5, False),
        ("ca. 3,5", 3.5, True),
        ("2-3", 2.5, True),
        ("2 bis 3", 2.5, True),
        ("250.000 €", 250_000.0, True),
        ("250.000", 250_000.0, True),
        ("1.234.567", 1_234_567.0, True),
        ("1.234,56", 1234.56, True),
        ("1,234.56", 1234.56, True),
        ("0,5 Mio.", 500_000.0, True),
        ("1,2 Mio. EUR", 1_200_000.0, True),
        ("80 Tsd. €", 80_000.0, True),
        ("50k", 50_000.0, True),
        ("3 VZÄ", 3.0, True),
        ("45 %", 45.0, True),
        ("24.974 Einwohner", 24_974.0, True),
        ("-2", -2.0, False),
    ],
)
def test_numbers_as_people_type_them(text, value, logged):
    parsed = parse_number(text, MISSING)
    assert parsed.value == pytest.approx(value)
    assert (parsed.rule is not None) == logged


@pytest.mark.parametrize("text", ["k.A.", "keine Angabe", "weiß nicht", "-9", "K.A."])
def test_missing_codes_give_no_value(text):
    parsed = parse_number(text, MISSING)
    assert parsed.value is None and parsed.rule == "missing_code"


@pytest.mark.parametrize("text", ["", "   ", None])
def test_blank_is_missing_without_log(text):
    assert parse_number(text, MISSING) == parse_number(None)


@pytest.mark.parametrize("text", ["viele", "abc", "3,5,x", "??"])
def test_text_without_a_number_is_reported(text):
    parsed = parse_number(text, MISSING)
    assert parsed.value is None and parsed.rule == "unparseable"


def german(x: float, decimals: int) -> str:
    s = f"{x:,.{decimals}f}"
    return s.replace(",", "X").replace(".", ",").replace("X", ".")


@settings(max_examples=examples(300))
@given(st.floats(min_value=0, max_value=1e9, allow_nan=False), st.integers(min_value=0, max_value=2))
def test_german_formatted_numbers_round_trip(x, decimals):
    expected = round(x, decimals)
    text = german(expected, decimals)
    # "1.500" (one group, no decimals) is read as thousands, as a German reader would
    assert parse_number(text).value == pytest.approx(float(text.replace(".", "").replace(",", ".")))
    assert parse_number(text).value == pytest.approx(expected, rel=1e-12, abs=10**-decimals)


@settings(max_examples=examples(200))
@given(
    st.floats(min_value=0, max_value=1e6, allow_nan=False), st.sampled_from(["ca. {}", "{} €", "{} VZÄ", "rund {} EUR"])
)
def test_decorations_do_not_change_the_value(x, template):
    text = template.format(german(round(x, 1), 1))
    assert parse_number(text).value == pytest.approx(round(x, 1), abs=0.05)


@settings(max_examples=examples(500))
@given(st.text(max_size=40))
def test_any_text_parses_or_is_reported_never_raises(text):
    parsed = parse_number(text, MISSING)
    assert parsed.value is None or math.isfinite(parsed.value)
    if parsed.value is None and text.strip():
        assert parsed.rule in ("missing_code", "unparseable")
